package dev.hark.audio.dsp.augment;

import be.tarsos.dsp.util.fft.FloatFFT;

/**
 * Linear convolution of a clip with a filter, truncated to the clip's length: directly for short
 * filters, by FFT overlap-add (TarsosDSP's real FFT) otherwise.
 */
public final class Convolution {

    /**
     * Longest filter convolved directly. Measured on the shared 2-core development machine with a 1 s
     * clip at 8 kHz (AugmentTimingTest#convolutionCrossover, noisy): overlap-add was already faster at 32
     * taps (0.17 vs 1.1 ms) and 25× faster for a 0.6 s room (4,800 taps: 1.2 vs 30 ms); rooms are never
     * this short, so direct convolution only serves tiny filters.
     */
    static final int DIRECT_MAX_TAPS = 16;

    /**
     * Largest FFT used. TarsosDSP's FloatFFT (JTransforms) hands transforms longer than 8192 points to its
     * own thread pool on a multi-core machine; the trainer already runs one clip per core, so the
     * blocks are kept at or below that size and every transform stays on the calling thread.
     */
    static final int MAX_FFT = 8192;

    private static final ThreadLocal<FloatFFT[]> FFTS = ThreadLocal.withInitial(() -> new FloatFFT[32]);

    private Convolution() {
    }

    /** {@code (x * h)[0 .. x.length)}: the output keeps the input's length (a tail past its end is cut). */
    public static float[] convolve(float[] x, float[] h) {
        if (h.length <= DIRECT_MAX_TAPS || x.length == 0) {
            return direct(x, h);
        }
        int part = MAX_FFT / 2;
        if (h.length <= part) {
            return overlapAdd(x, h);
        }
        // a filter longer than half the largest FFT (a long room at a high rate) is cut into pieces of
        // MAX_FFT/2 taps, each convolved by overlap-add and added at its delay
        float[] y = new float[x.length];
        for (int offset = 0; offset < h.length && offset < x.length; offset += part) {
            float[] piece = java.util.Arrays.copyOfRange(h, offset, Math.min(h.length, offset + part));
            float[] shifted = overlapAdd(java.util.Arrays.copyOf(x, x.length - offset), piece);
            for (int i = 0; i < shifted.length; i++) {
                y[i + offset] += shifted[i];
            }
        }
        return y;
    }

    static float[] direct(float[] x, float[] h) {
        float[] y = new float[x.length];
        // y[i] = Σ_k h[k]·x[i-k], computed as one scaled add of x per tap: contiguous, the JIT vectorises it
        for (int k = 0; k < h.length && k < x.length; k++) {
            float c = h[k];
            if (c == 0) {
                continue;
            }
            for (int i = k; i < x.length; i++) {
                y[i] += c * x[i - k];
            }
        }
        return y;
    }

    static float[] overlapAdd(float[] x, float[] h) {
        // one block when the whole result fits in MAX_FFT points; else blocks of at least MAX_FFT/2 + 1
        int size = Math.min(MAX_FFT, Integer.highestOneBit(Math.max(1, x.length + h.length - 2)) << 1);
        int block = size - h.length + 1;
        FloatFFT fft = fft(size);
        float[] hf = new float[size];
        System.arraycopy(h, 0, hf, 0, h.length);
        fft.realForward(hf);
        float[] y = new float[x.length];
        float[] buf = new float[size];
        for (int start = 0; start < x.length; start += block) {
            int len = Math.min(block, x.length - start);
            java.util.Arrays.fill(buf, 0f);
            System.arraycopy(x, start, buf, 0, len);
            fft.realForward(buf);
            multiply(buf, hf);
            fft.realInverse(buf, true);
            int end = Math.min(x.length, start + len + h.length - 1);
            for (int i = start; i < end; i++) {
                y[i] += buf[i - start];
            }
        }
        return y;
    }

    /**
     * a ← a·b for two spectra in FloatFFT's real layout: a[0] = Re X0, a[1] = Re X(n/2), then
     * (Re, Im) of bins 1 … n/2-1.
     */
    private static void multiply(float[] a, float[] b) {
        a[0] *= b[0];
        a[1] *= b[1];
        for (int k = 2; k < a.length; k += 2) {
            float re = a[k] * b[k] - a[k + 1] * b[k + 1];
            float im = a[k] * b[k + 1] + a[k + 1] * b[k];
            a[k] = re;
            a[k + 1] = im;
        }
    }

    private static FloatFFT fft(int size) {
        FloatFFT[] cache = FFTS.get();
        int log = Integer.numberOfTrailingZeros(size);
        if (cache[log] == null) {
            cache[log] = new FloatFFT(size);
        }
        return cache[log];
    }
}
