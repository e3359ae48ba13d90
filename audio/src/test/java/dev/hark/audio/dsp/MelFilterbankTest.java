package dev.hark.audio.dsp;

import dev.hark.audio.dsp.FeatureSpec.MelNorm;
import dev.hark.audio.dsp.FeatureSpec.MelScale;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MelFilterbankTest {

    @Test
    void melScalesMatchTorchaudioAtKnownPoints() {
        // values printed by torchaudio.functional.functional._hz_to_mel
        assertEquals(999.9855371396244, MelFilterbank.hzToMel(1000, MelScale.HTK), 1e-9);
        assertEquals(15.0, MelFilterbank.hzToMel(1000, MelScale.SLANEY), 1e-12);
        assertEquals(35.163760314616646, MelFilterbank.hzToMel(4000, MelScale.SLANEY), 1e-9);
        assertEquals(7.5, MelFilterbank.hzToMel(500, MelScale.SLANEY), 1e-12); // the linear part
        for (MelScale s : MelScale.values()) {
            for (double hz : new double[] {0, 20, 700, 999.9, 1000, 1000.1, 3999, 8000}) {
                assertEquals(hz, MelFilterbank.melToHz(MelFilterbank.hzToMel(hz, s), s), 1e-9, s + " " + hz);
            }
        }
    }

    @Test
    void defaultBankHasNoEmptyBandsAndEveryBandSpansAtLeastTwoBins() {
        MelFilterbank fb = MelFilterbank.of(FeatureSpec.defaults());
        assertEquals(129, fb.nFreqs());
        assertEquals(40, fb.nMels());
        assertEquals(0, emptyBands(fb));
        for (int m = 0; m < fb.nMels(); m++) {
            assertTrue(fb.length(m) >= 2, "band " + m + " spans " + fb.length(m) + " bin(s)");
        }
        // 64 bands would be too many for 129 bins: the lowest collapse to single bins (docs/dsp.md)
        MelFilterbank many = MelFilterbank.of(FeatureSpec.defaults().toBuilder().nMels(64).build());
        assertEquals(1, many.length(1));
    }

    @Test
    void trianglesOverlapToOneBetweenTheFirstAndLastCentre() {
        MelFilterbank fb = MelFilterbank.of(FeatureSpec.defaults());
        float[][] w = Filterbanks.dense(fb);
        double binHz = 4000.0 / 128;
        for (int f = 0; f < fb.nFreqs(); f++) {
            double hz = f * binHz;
            double sum = 0;
            double peak = 0;
            for (int m = 0; m < fb.nMels(); m++) {
                sum += w[f][m];
                peak = Math.max(peak, w[f][m]);
                assertTrue(w[f][m] >= 0 && w[f][m] <= 1, "weight " + w[f][m]);
            }
            if (hz >= fb.centreHz(0) && hz <= fb.centreHz(fb.nMels() - 1)) {
                assertEquals(1.0, sum, 1e-6, "bin " + f + " (" + hz + " Hz)");
            }
            if (hz < 20 || hz > 4000) {
                assertEquals(0.0, sum, 0, "bin " + f + " is outside f_min..f_max");
            }
        }
        for (int m = 1; m < fb.nMels(); m++) {
            assertTrue(fb.centreHz(m) > fb.centreHz(m - 1));
        }
    }

    @Test
    void slaneyNormGivesEachTriangleUnitAreaInHertz() {
        // wide bands (many bins each) so the bin sum approximates the integral well
        MelFilterbank fb = MelFilterbank.create(1025, 0, 8000, 20, 16000, MelNorm.SLANEY, MelScale.SLANEY);
        float[][] w = Filterbanks.dense(fb);
        double binHz = 8000.0 / 1024;
        for (int m = 0; m < fb.nMels(); m++) {
            double area = 0;
            for (int f = 0; f < fb.nFreqs(); f++) {
                area += w[f][m] * binHz;
            }
            assertEquals(1.0, area, 0.02, "band " + m);
        }
    }

    @Test
    void applyMatchesTheDenseProduct() {
        MelFilterbank fb = MelFilterbank.create(129, 0, 4000, 40, 8000, MelNorm.SLANEY, MelScale.SLANEY);
        float[][] w = Filterbanks.dense(fb);
        java.util.Random rnd = new java.util.Random(7);
        float[] power = new float[129];
        for (int i = 0; i < power.length; i++) {
            power[i] = rnd.nextFloat() * 10;
        }
        float[] sparse = new float[40];
        fb.apply(power, sparse);
        for (int m = 0; m < 40; m++) {
            double dense = 0;
            for (int f = 0; f < 129; f++) {
                dense += power[f] * w[f][m];
            }
            assertEquals(dense, sparse[m], 1e-5 * Math.abs(dense) + 1e-9, "band " + m);
        }
    }

    @Test
    void applyBinsGivesEveryFrameTheBitsOfApply() {
        // 256 htk mels over 129 bins leave low bands narrower than a bin, with no weight: they must come out as zeros
        for (MelFilterbank fb : new MelFilterbank[] {
                MelFilterbank.create(129, 0, 4000, 40, 8000, MelNorm.NONE, MelScale.HTK),
                MelFilterbank.create(129, 0, 4000, 256, 8000, MelNorm.NONE, MelScale.HTK)}) {
            java.util.Random rnd = new java.util.Random(3);
            int frames = 101;
            float[][] bins = new float[129][frames];
            for (float[] row : bins) {
                for (int u = 0; u < frames; u++) {
                    row[u] = (float) Math.pow(10, rnd.nextDouble() * 12 - 6);
                }
            }
            float[][] mel = new float[fb.nMels()][frames];
            for (float[] row : mel) {
                java.util.Arrays.fill(row, Float.NaN); // every cell must be written
            }
            fb.applyBins(bins, frames, mel);
            float[] power = new float[129];
            float[] one = new float[fb.nMels()];
            for (int u = 0; u < frames; u++) {
                for (int f = 0; f < 129; f++) {
                    power[f] = bins[f][u];
                }
                fb.apply(power, one);
                for (int m = 0; m < one.length; m++) {
                    assertEquals(Float.floatToIntBits(one[m]), Float.floatToIntBits(mel[m][u]), "band " + m + " frame " + u);
                }
            }
            assertTrue(fb.nMels() == 40 || emptyBands(fb) > 0, "the second filterbank has empty bands to test");
        }
    }

    /** Bands without any non-zero weight: too narrow for the FFT's bin spacing (torchaudio warns about these). */
    static int emptyBands(MelFilterbank fb) {
        int n = 0;
        for (int m = 0; m < fb.nMels(); m++) {
            if (fb.length(m) == 0) {
                n++;
            }
        }
        return n;
    }
}
