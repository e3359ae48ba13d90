package dev.hark.trainer.data;

import dev.hark.audio.dataset.DatasetFiles.Failure;
import dev.hark.audio.dataset.DatasetFiles.Layout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * Labeled clips plus what the loader could not use, and the layout they came in. The layout decides
 * the standard split: FSDD's is takes 0–4 for test, the rest for training.
 */
public record Dataset(Layout layout, List<LabeledClip> clips, List<Failure> failures) {


    public Dataset {
        clips = List.copyOf(clips);
        failures = List.copyOf(failures);
    }

    public boolean hasStandardSplit() {
        return layout == Layout.FSDD;
    }

    /** Speakers in name order. */
    public List<String> speakers() {
        TreeSet<String> s = new TreeSet<>();
        clips.forEach(c -> s.add(c.speaker()));
        return new ArrayList<>(s);
    }

    public Map<String, Integer> clipsPerSpeaker() {
        Map<String, Integer> m = new TreeMap<>();
        clips.forEach(c -> m.merge(c.speaker(), 1, Integer::sum));
        return m;
    }

    public int[] indices(Predicate<LabeledClip> which) {
        return IntStream.range(0, clips.size()).filter(i -> which.test(clips.get(i))).toArray();
    }
}
