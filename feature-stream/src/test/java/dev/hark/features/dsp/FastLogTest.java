package dev.hark.features.dsp;

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
}
