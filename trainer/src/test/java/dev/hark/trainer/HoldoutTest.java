package dev.hark.trainer;

import dev.hark.audio.dataset.DatasetFiles.Layout;
import dev.hark.trainer.data.Dataset;
import dev.hark.trainer.data.LabeledClip;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one holdout rule: named speakers, a share of clips, the standard split, else a fifth of the speakers. */
class HoldoutTest {

    static Dataset data(Layout layout, List<String> speakers, int takes) {
        List<LabeledClip> clips = new ArrayList<>();
        for (String s : speakers) {
            for (int t = 0; t < takes; t++) {
                clips.add(new LabeledClip(t % 10 + "_" + s + "_" + t, t % 10, s, layout == Layout.TOPIC ? -1 : t, new float[1]));
            }
        }
        return new Dataset(layout, clips, List.of());
    }

    @Test
    void standardSplitWhenTheDatasetHasOne() {
        Holdout.Split s = Holdout.automatic().split(data(Layout.FSDD, List.of("a", "b"), 10));
        assertEquals(10, s.evaluation().length);
        assertEquals(List.of(), s.speakers());
    }

    @Test
    void aFifthOfTheSpeakersByNameStableAsSpeakersArrive() {
        List<String> ten = List.of("s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9");
        Holdout.Split s = Holdout.automatic().split(data(Layout.TOPIC, ten, 3));
        assertEquals(2, s.speakers().size());
        assertEquals(6, s.evaluation().length);
        Holdout.Split again = Holdout.automatic().split(data(Layout.TOPIC, ten, 7));
        assertEquals(s.speakers(), again.speakers(), "more clips of the same speakers: the same speakers held out");
        assertThrows(NotEnoughDataException.class, () -> Holdout.automatic().split(data(Layout.TOPIC, List.of("solo"), 20)));
    }

    @Test
    void namedSpeakersAndShareOfClips() {
        Dataset d = data(Layout.TOPIC, List.of("a", "b", "c"), 40);
        assertEquals(List.of("c"), Holdout.ofSpeakers(List.of("c")).split(d).speakers());
        Holdout.Split byClip = Holdout.ofClips(0.25).split(d);
        assertTrue(byClip.evaluation().length > 10 && byClip.evaluation().length < 50, Arrays.toString(byClip.evaluation()));
        assertEquals(Holdout.automatic(), Holdout.ofSpeakers(List.of()));
        assertThrows(NotEnoughDataException.class, () -> Holdout.ofSpeakers(List.of("z")).split(d));
    }
}
