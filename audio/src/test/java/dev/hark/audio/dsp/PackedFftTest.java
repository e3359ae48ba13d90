package dev.hark.audio.dsp;

import be.tarsos.dsp.util.fft.FloatFFT;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackedFftTest {

    @Test
    void skipsTheReorderingForTheDefaultSizeAndGivesComplexForwardsValues() {
        for (int n : new int[] {128, 256, 64, 512, 400}) {
            PackedFft packed = new PackedFft(n);
            if (n == 128 || n == 256) {
                assertTrue(packed.reordered(), "TarsosDSP's butterflies reachable for n = " + n);
            } else {
                assertFalse(packed.reordered(), "n = " + n + " takes the plain complexForward");
            }
            FloatFFT reference = new FloatFFT(n);
            Random r = new Random(n);
            for (int trial = 0; trial < 20; trial++) {
                float[] x = new float[2 * n];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
                }
                float[] expected = x.clone();
                reference.complexForward(expected);
                float[] actual = x.clone();
                packed.transform(actual);
                int[] at = packed.positions();
                float sign = expected[1] == actual[at[0] + 1] ? 1f : -1f;
                for (int k = 0; k < n; k++) {
                    assertEquals(expected[2 * k], actual[at[k]], 0f, "re, n = " + n + ", bin " + k);
                    assertEquals(expected[2 * k + 1], sign * actual[at[k] + 1], 0f, "im, n = " + n + ", bin " + k);
                }
            }
        }
    }
}
