package dev.hark.audio.bench;

import dev.hark.audio.WavWriter;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dsp.LogMelExtractor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark compares like with like only if the baseline computes the same features. */
class BaselineAgreementTest {

    @Test
    void baselinesComputeWhatTheExtractorComputes() throws Exception {
        float[] x = DspBenchmark.speechLike(8000);
        byte[] wav = WavWriter.toBytes(x, 8000);
        LogMelExtractor hark = new LogMelExtractor(FeatureSpec.defaults());
        float[][] expected = hark.features(dev.hark.audio.WavDecoder.decode(wav, "x.wav"));
        for (boolean naive : new boolean[] {false, true}) {
            float[][] actual = new StraightforwardLogMel(FeatureSpec.defaults(), naive).features(wav);
            assertEquals(expected.length, actual.length);
            double max = 0;
            for (int m = 0; m < expected.length; m++) {
                for (int t = 0; t < expected[m].length; t++) {
                    max = Math.max(max, Math.abs(expected[m][t] - actual[m][t]));
                }
            }
            assertTrue(max < 1e-3, (naive ? "naive DFT" : "straightforward") + " differs by " + max);
        }
    }
}
