package dev.hark.trainer.model;

import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dsp.LogMelExtractor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Augmentation's keys, and the variants it draws: reproducible, and unchanged for the default. */
class AugmentationTest {

    private static final LogMelExtractor EXTRACTOR = new LogMelExtractor(FeatureSpec.defaults());

    /** 0.8 s of a 150 Hz voice-like sound with two overtones, faded in and out. */
    private static float[] clip() {
        float[] x = new float[6400];
        for (int i = 0; i < x.length; i++) {
            double t = i / 8000.0;
            double env = Math.sin(Math.PI * i / x.length);
            x[i] = (float) (0.3 * env * (Math.sin(2 * Math.PI * 150 * t) + 0.5 * Math.sin(2 * Math.PI * 450 * t)
                    + 0.25 * Math.sin(2 * Math.PI * 1350 * t)));
        }
        return x;
    }

    @Test
    void theDefaultDrawsTheSameVariantsAsBeforeTheNewKeys() {
        // recorded with the code before pitch/tempo/reverb/channel existed (commit 5356f81): a new key
        // that drew from the stream while off, or moved a draw, would change these
        double[][] before = {
                {0.355221, -0.167237, -0.820384, -188.399397},
                {-0.785127, 0.949841, -0.785127, -202.625170},
                {0.756242, 1.499848, -0.884892, -162.346196},
        };
        for (int s = 1; s <= 3; s++) {
            float[][] f = Augmentation.DEFAULT.features(EXTRACTOR, clip(), new SplittableRandom(s));
            double weighted = 0;
            for (int m = 0; m < f.length; m++) {
                for (int t = 0; t < f[0].length; t++) {
                    weighted += f[m][t] * Math.sin(0.37 * m + 0.11 * t);
                }
            }
            double[] b = before[s - 1];
            assertEquals(b[0], f[5][10], 1e-4, "seed " + s);
            assertEquals(b[1], f[20][30], 1e-4, "seed " + s);
            assertEquals(b[2], f[f.length - 1][50], 1e-4, "seed " + s);
            assertEquals(b[3], weighted, 1e-2, "seed " + s);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pitch=3", "tempo=0.2", "reverb=1", "channel=1",
            "speed=0.1,pitch=2,tempo=0.15,gain=6,noise=0.5,shift=0.1,reverb=0.5,channel=0.5,vtlp=0.1"})
    void theSameSeedEpochAndClipGiveTheSameVariant(String spec) {
        Augmentation a = Augmentation.parse(spec);
        float[] x = clip();
        float[][] first = a.features(EXTRACTOR, x, new SplittableRandom(12345));
        float[][] again = a.features(EXTRACTOR, x.clone(), new SplittableRandom(12345));
        for (int m = 0; m < first.length; m++) {
            assertArrayEquals(first[m], again[m], spec);
        }
        float[][] none = Augmentation.NONE.features(EXTRACTOR, x, new SplittableRandom(12345));
        boolean differs = false;
        for (int s = 1; s <= 4 && !differs; s++) {
            float[][] other = a.features(EXTRACTOR, x, new SplittableRandom(s));
            differs = maxDiff(other, none) > 0.1;
        }
        assertTrue(differs, spec + " changes the features");
        assertArrayEquals(clip(), x, "the clip itself is never modified");
    }

    private static double maxDiff(float[][] a, float[][] b) {
        double d = 0;
        for (int m = 0; m < a.length; m++) {
            for (int t = 0; t < a[m].length; t++) {
                d = Math.max(d, Math.abs(a[m][t] - b[m][t]));
            }
        }
        return d;
    }

    @Test
    void parsesTheNewKeysAndPrintsThemBack() {
        Augmentation a = Augmentation.parse("pitch=2.5, tempo=0.15,reverb=0.3,channel=0.4");
        assertEquals(2.5, a.pitchSemitones());
        assertEquals(0.15, a.tempo());
        assertEquals(0.3, a.reverbProb());
        assertEquals(0.4, a.channelProb());
        assertTrue(a.any());
        assertEquals("pitch=2.5,tempo=0.15,reverb=0.3,channel=0.4", a.toString());
        assertEquals(a, Augmentation.parse(a.toString()));
        Augmentation all = Augmentation.parse("speed=0.1,pitch=1,tempo=0.1,gain=3,noise=0.5,snrmin=5,snrmax=30,"
                + "shift=0.1,reverb=0.2,channel=0.2,vtlp=0.1,fmask=4,tmask=8");
        assertEquals(all, Augmentation.parse(all.toString()));
        assertEquals(0, Augmentation.DEFAULT.pitchSemitones());
        assertEquals(0, Augmentation.DEFAULT.tempo());
        assertEquals(0, Augmentation.DEFAULT.reverbProb());
        assertEquals(0, Augmentation.DEFAULT.channelProb());
        assertEquals("speed=0.15,gain=6,noise=0.5,snrmin=10,snrmax=40,shift=0.15,vtlp=0.1", Augmentation.DEFAULT.toString());
        assertFalse(Augmentation.NONE.any());
    }

    @Test
    void rejectsBadValuesSayingWhatIsExpected() {
        assertMessage("pitch=-1", "pitch is the largest shift in semitones, 0–12");
        assertMessage("pitch=13", "pitch is the largest shift in semitones, 0–12");
        assertMessage("pitch=nan", "augmentation pitch: 'nan' is not a number");
        assertMessage("tempo=0.5", "tempo is a fraction below 0.5");
        assertMessage("tempo=-0.1", "tempo is a fraction below 0.5");
        assertMessage("reverb=1.5", "reverb is a probability, 0–1");
        assertMessage("channel=-0.2", "channel is a probability, 0–1");
        assertMessage("reverb=lots", "augmentation reverb: 'lots' is not a number");
        // both messages that list the keys list every one of them
        for (String bad : new String[] {"echo=1", "pitch"}) {
            String m = assertThrows(IllegalArgumentException.class, () -> Augmentation.parse(bad)).getMessage();
            for (String key : Augmentation.KEYS.split(", ")) {
                assertTrue(m.contains(key), m + " lacks " + key);
            }
        }
    }

    private static void assertMessage(String spec, String expected) {
        String m = assertThrows(IllegalArgumentException.class, () -> Augmentation.parse(spec)).getMessage();
        assertTrue(m.contains(expected), spec + ": " + m);
    }
}
