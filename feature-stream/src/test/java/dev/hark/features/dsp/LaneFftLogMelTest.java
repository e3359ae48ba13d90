package dev.hark.features.dsp;

import dev.hark.features.audio.Audio;
import dev.hark.features.bench.DspBenchmark;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lane FFT comparison in DspBenchmark means something only if it computes Hark's features. */
class LaneFftLogMelTest {

    private final FeatureSpec spec = FeatureSpec.defaults();
    private final LogMelExtractor hark = new LogMelExtractor(spec);
    private final LaneFftLogMel lanes = new LaneFftLogMel(spec);

    @Test
    void melMatchesTheExtractorOnSpeechNoiseToneAndOddLengths() {
        Random r = new Random(3);
        float[] noise = new float[9_999];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) r.nextGaussian() * 0.1f;
        }
        float[] tone = new float[3_000];
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (float) Math.sin(2 * Math.PI * 1_000 * i / 8_000.0);
        }
        float[] longest = new float[(2 * LaneFftLogMel.LANES - 1) * spec.hopLength()];
        System.arraycopy(noise, 0, longest, 0, Math.min(noise.length, longest.length));
        for (float[] x : new float[][] {DspBenchmark.speechLike(8_000), noise, tone, new float[] {0.5f, -0.25f, 0.125f}, longest}) {
            float[][] expected = hark.mel(x);
            float[][] actual = lanes.mel(x);
            assertEquals(expected.length, actual.length);
            assertEquals(expected[0].length, actual[0].length, "frames for " + x.length + " samples");
            double max = 0;
            double diff = 0;
            for (int m = 0; m < expected.length; m++) {
                for (int t = 0; t < expected[m].length; t++) {
                    max = Math.max(max, expected[m][t]);
                    diff = Math.max(diff, Math.abs(expected[m][t] - actual[m][t]));
                }
            }
            assertTrue(max > 0);
            assertTrue(diff <= 1e-5 * max, x.length + " samples: differs by " + diff / max + " of the maximum");
        }
    }

    @Test
    void modelInputMatchesTheExtractor() {
        Audio audio = Audio.mono(DspBenchmark.speechLike(8_000), 8_000);
        float[][] expected = hark.features(audio);
        float[][] actual = lanes.features(audio);
        double diff = 0;
        for (int m = 0; m < expected.length; m++) {
            for (int t = 0; t < expected[m].length; t++) {
                diff = Math.max(diff, Math.abs(expected[m][t] - actual[m][t]));
            }
        }
        assertTrue(diff < 1e-4, "model input differs by " + diff);
    }
}
