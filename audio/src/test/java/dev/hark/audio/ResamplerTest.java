package dev.hark.audio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResamplerTest {

    private static final double AMPLITUDE = 0.5;

    static float[] tone(double hz, int rate, double seconds) {
        int n = (int) Math.round(rate * seconds);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (AMPLITUDE * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return x;
    }

    /** Output level relative to the input tone, in dB, over the middle of the signal (edges are zero-padded). */
    static double gainDb(float[] y, int edge) {
        double sum = 0;
        int n = 0;
        for (int i = edge; i < y.length - edge; i++) {
            sum += (double) y[i] * y[i];
            n++;
        }
        double rms = Math.sqrt(sum / n);
        return 20 * Math.log10(rms / (AMPLITUDE / Math.sqrt(2)));
    }

    private static double resampledGainDb(double hz, int from, int to) {
        Resampler r = Resampler.of(from, to);
        float[] y = r.process(tone(hz, from, 1.0));
        return gainDb(y, 200);
    }

    @ParameterizedTest(name = "{0} Hz -> 8 kHz")
    @ValueSource(ints = {48000, 44100, 16000, 22050, 11025, 32000})
    void keepsTheBandAndRejectsAboveTheNewNyquist(int from) {
        double at1k = resampledGainDb(1000, from, 8000);
        double at3k = resampledGainDb(3000, from, 8000);
        assertTrue(Math.abs(at1k) <= 0.5, "1 kHz changed by " + at1k + " dB");
        assertTrue(Math.abs(at1k) <= 0.01, "1 kHz changed by " + at1k + " dB: pass band should be flat to ripple");
        assertTrue(Math.abs(at3k) <= 0.05, "3 kHz changed by " + at3k + " dB");
        if (from > 10000) {
            double at5k = resampledGainDb(5000, from, 8000);
            assertTrue(at5k <= -40, "5 kHz only down " + at5k + " dB");
        }
        // the whole stop band, from just above the new Nyquist frequency to the old one
        for (double hz = 4050; hz < from / 2.0; hz += Math.max(150, from / 40.0)) {
            double g = resampledGainDb(hz, from, 8000);
            assertTrue(g <= -65, hz + " Hz only down " + g + " dB (design: 70)");
        }
    }

    @Test
    void upsamplingKeepsTheToneAndAddsNoImages() {
        float[] y = Resampler.of(8000, 16000).process(tone(1000, 8000, 1.0));
        assertEquals(16000, y.length);
        assertTrue(Math.abs(gainDb(y, 200)) < 0.01, "level " + gainDb(y, 200));
        // an image at 8 - 1 = 7 kHz would show as a residual after removing the 1 kHz tone
        double residual = 0;
        double signal = 0;
        for (int i = 400; i < y.length - 400; i++) {
            double ideal = AMPLITUDE * Math.sin(2 * Math.PI * 1000 * i / 16000.0);
            residual += (y[i] - ideal) * (y[i] - ideal);
            signal += ideal * ideal;
        }
        double db = 10 * Math.log10(residual / signal);
        assertTrue(db < -60, "residual " + db + " dB");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"48000,8000", "44100,8000", "16000,8000", "8000,16000", "7999,8000", "96001,8000"})
    void outputIsAlignedWithTheInputNoDelay(int from, int to) {
        float[] x = tone(440, from, 0.5);
        float[] y = Resampler.of(from, to).process(x);
        assertEquals((int) Math.ceil(x.length * (double) to / from), y.length);
        int edge = y.length / 10;
        for (int i = edge; i < y.length - edge; i++) {
            double ideal = AMPLITUDE * Math.sin(2 * Math.PI * 440 * i / (double) to);
            assertEquals(ideal, y[i], 2e-4, "sample " + i);
        }
    }

    @Test
    void awkwardRatiosUseTheInterpolatedKernelAndStillMeetTheSpec() {
        Resampler r = Resampler.of(96001, 8000);
        assertTrue(r.toString().contains("interpolated"), r.toString());
        assertTrue(Math.abs(resampledGainDb(1000, 96001, 8000)) <= 0.01);
        assertTrue(resampledGainDb(5000, 96001, 8000) <= -65);
        assertTrue(Resampler.of(48000, 8000).toString().contains("phase table"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"48000,8000", "44100,8000", "16000,8000", "8000,16000", "11025,8000", "8000,44100", "11025,16000"})
    void vectorisedPolyphaseEqualsTheDirectDefinition(int from, int to) {
        float[] x = Noise.of(from / 3 + 17, from);
        Resampler r = Resampler.of(from, to);
        float[] fast = r.process(x);
        float[] direct = direct(r, x);
        assertEquals(direct.length, fast.length);
        for (int i = 0; i < fast.length; i++) {
            assertEquals(direct[i], fast[i], 1e-6f, "sample " + i);
        }
    }

    /**
     * The phase-table filter as its definition, one output at a time: output j sits at input time
     * j·M/L; its taps start {@code firstTap} samples before floor of that and use the coefficients of
     * phase (j·M mod L). Reads the resampler's private table (this is a white-box check of the
     * vectorised kernel, not an API).
     */
    static float[] direct(Resampler r, float[] x) {
        float[] table = field(r, "phases");
        int taps = field(r, "taps");
        int firstTap = field(r, "firstTap");
        int l = field(r, "l");
        int m = field(r, "m");
        if (table == null) {
            throw new IllegalStateException(r + " has no phase table");
        }
        float[] y = new float[r.outputLength(x.length)];
        for (int j = 0; j < y.length; j++) {
            long time = (long) j * m; // output time in units of 1/L input samples
            int start = (int) (time / l) + firstTap;
            int c = (int) (time % l) * taps;
            double acc = 0; // in double: the definition, free of any summation order
            for (int i = Math.max(0, -start); i < taps && start + i < x.length; i++) {
                acc += (double) x[start + i] * table[c + i];
            }
            y[j] = (float) acc;
        }
        return y;
    }

    @SuppressWarnings("unchecked")
    static <T> T field(Resampler r, String name) {
        try {
            java.lang.reflect.Field f = Resampler.class.getDeclaredField(name);
            f.setAccessible(true);
            return (T) f.get(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Resampler." + name + ": " + e, e);
        }
    }

    /** Deterministic noise plus a tone, edges included, so every tap and every phase is exercised. */
    private static final class Noise {
        static float[] of(int n, long seed) {
            java.util.Random r = new java.util.Random(seed);
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) (0.3 * r.nextGaussian() + 0.2 * Math.sin(i * 0.05));
            }
            return x;
        }
    }

    @Test
    void ratesOutsideTheDecodersRangeAreRefused() {
        // a filter for 8 kHz -> 2^31 Hz would need gigabytes; rates come from records, so they are checked
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Resampler.of(Integer.MAX_VALUE, 8000));
        assertEquals("sample rate 2147483647 Hz is outside 1000–384000 Hz", e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Resampler.of(8000, 0));
        assertTrue(Resampler.of(384000, 8000).toString().contains("phase table"), "an integer ratio: one phase");
        assertTrue(Resampler.of(383999, 8000).toString().contains("interpolated"));
        assertTrue(Resampler.of(7999, 8000).toString().contains("interpolated"), "8000 phases would be 1.8 MB");
    }

    @Test
    void sameRateIsANoOp() {
        float[] x = tone(1000, 8000, 0.1);
        assertSame(x, Resampler.of(8000, 8000).process(x));
        Audio a = Audio.mono(x, 8000);
        assertSame(a, Resampler.toRate(a, 8000));
    }

    @Test
    void toRateKeepsWhereTheAudioCameFrom() {
        Audio a = new Audio(tone(1000, 48000, 0.1), 48000, 2, SampleFormat.PCM_S24);
        Audio b = Resampler.toRate(a, 8000);
        assertEquals(8000, b.sampleRate());
        assertEquals(800, b.length());
        assertEquals(2, b.sourceChannels());
        assertEquals(SampleFormat.PCM_S24, b.sourceFormat());
    }

    @Test
    void dcPassesWithUnitGainEvenAtTheEdgesOfTheTable() {
        float[] ones = new float[4410];
        java.util.Arrays.fill(ones, 0.25f);
        float[] y = Resampler.of(44100, 8000).process(ones);
        for (int i = 200; i < y.length - 200; i++) {
            assertEquals(0.25f, y[i], 1e-6f, "sample " + i);
        }
    }

    @Test
    void kaiserHelpers() {
        assertEquals(1.0, Resampler.besselI0(0), 0);
        assertEquals(11.301921952136330, Resampler.besselI0(4), 1e-12); // scipy.special.i0(4)
        assertEquals(0.1102 * (70 - 8.7), Resampler.kaiserBeta(70), 1e-12);
    }
}
