package dev.hark.audio.dsp;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FastLogTest {

    @Test
    void withinOneUlpOfMathLogAcrossAllNormalFloats() {
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 2_000_000; i++) {
            // every exponent and mantissa equally likely: uniform over the bit patterns of positive normals
            float v = Float.intBitsToFloat(r.nextInt(0x0080_0000, 0x7f80_0000));
            float expected = (float) Math.log(v);
            float actual = FastLog.ln(v);
            assertTrue(Math.abs(expected - actual) <= Math.ulp(expected), v + ": " + actual + " vs " + expected);
        }
    }

    @Test
    void exactWhereItMatters() {
        assertEquals(0f, FastLog.ln(1f));
        assertEquals((float) Math.log(1e-6), FastLog.ln(1e-6f), Math.ulp((float) Math.log(1e-6)));
        assertEquals((float) Math.log(2), FastLog.ln(2f), 0f);
        assertEquals((float) Math.log(Math.sqrt(2)), FastLog.ln((float) Math.sqrt(2)), Math.ulp(0.35f));
    }

    @Test
    void specialValuesBehaveLikeMathLog() {
        assertEquals(Float.NEGATIVE_INFINITY, FastLog.ln(0f));
        assertTrue(Float.isNaN(FastLog.ln(-1f)));
        assertTrue(Float.isNaN(FastLog.ln(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, FastLog.ln(Float.POSITIVE_INFINITY));
        assertEquals((float) Math.log(Float.MIN_VALUE), FastLog.ln(Float.MIN_VALUE)); // subnormal
    }

    @Test
    void arraysGetTheSameBitsAsSingleValuesAtAnyOffsetAndInPlace() {
        SplittableRandom r = new SplittableRandom(5);
        float[] src = new float[3 * FastLog.CHUNK + 77];
        for (int i = 0; i < src.length; i++) {
            // mel-like powers over 60 decades, some below the floor, some zero
            src[i] = i % 97 == 0 ? 0f : (float) Math.pow(10, r.nextDouble(-40, 20));
        }
        float floor = 1e-10f;
        FastLog log = new FastLog();
        float[] dst = new float[src.length + 10];
        log.ln(src, 3, dst, 7, src.length - 3, floor);
        for (int i = 3; i < src.length; i++) {
            float expected = FastLog.ln(Math.max(src[i], floor));
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(dst[i + 4]), "value " + src[i]);
        }
        float[] inPlace = src.clone();
        log.ln(inPlace, 0, inPlace, 0, inPlace.length, floor);
        for (int i = 0; i < src.length; i++) {
            assertEquals(Float.floatToIntBits(FastLog.ln(Math.max(src[i], floor))), Float.floatToIntBits(inPlace[i]));
        }
    }

    @Test
    void aChunkWithNanOrInfinityGivesWhatMathLogGives() {
        float[] src = new float[700];
        java.util.Arrays.fill(src, 2f);
        src[5] = Float.NaN;
        src[600] = Float.POSITIVE_INFINITY;
        float[] dst = new float[700];
        new FastLog().ln(src, 0, dst, 0, src.length, 1e-10f);
        assertTrue(Float.isNaN(dst[5]));
        assertEquals(Float.POSITIVE_INFINITY, dst[600]);
        assertEquals((float) Math.log(2), dst[6], 0f);
        assertEquals((float) Math.log(2), dst[601], 0f);
    }

    @Test
    void sumsOfWhatWasWrittenSinceTheReset() {
        SplittableRandom r = new SplittableRandom(9);
        FastLog log = new FastLog();
        float[] noise = new float[300];
        java.util.Arrays.fill(noise, 5f);
        log.ln(noise, 0, new float[300], 0, 300, 1e-10f); // before the reset: must not count
        log.resetMoments();
        double sum = 0;
        double squares = 0;
        for (int row = 0; row < 40; row++) { // like a clip: 40 bands of 101 frames, row by row
            float[] src = new float[101];
            for (int i = 0; i < src.length; i++) {
                src[i] = (float) Math.pow(10, r.nextDouble(-12, 3));
            }
            float[] dst = new float[101];
            log.ln(src, 0, dst, 0, src.length, 1e-10f);
            for (float v : dst) {
                sum += v;
                squares += (double) v * v;
            }
        }
        assertEquals(sum, log.sum(), Math.abs(sum) * 1e-6);
        assertEquals(squares, log.sumOfSquares(), squares * 1e-6);
    }

    @Test
    void aSubnormalFloorWorksAndAZeroFloorIsRefused() {
        FastLog log = new FastLog();
        float[] a = {0f, Float.MIN_VALUE * 3, 1e-39f, 2f};
        float[] out = new float[4];
        log.ln(a, 0, out, 0, 4, Float.MIN_VALUE);
        for (int i = 0; i < 4; i++) {
            assertEquals((float) Math.log(Math.max(a[i], Float.MIN_VALUE)), out[i], 0f, "value " + a[i]);
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> log.ln(a, 0, a, 0, 4, 0f));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> log.ln(a, 0, a, 0, 4, Float.NaN));
    }
}
