package dev.hark.audio.dsp;

import be.tarsos.dsp.util.fft.FloatFFT;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Random;

/**
 * TarsosDSP's complex FFT ({@link FloatFFT#complexForward}) with the output left in the order the
 * butterflies produce it: {@link #position}(k) says where bin k is. Not a single operation differs.
 *
 * <p>For the power-of-two sizes Hark uses, {@code complexForward} is three private steps of
 * {@code FloatFFT}: {@code cftb1st} and {@code cftleaf} (the butterflies) and {@code bitrv2conj},
 * which moves every value to its bit-reversed index and negates its imaginary part. That last step is
 * a fifth of the transform's time, and it is wasted here: the spectra are read bin by bin through an
 * index table anyway, and a power does not see the sign of an imaginary part. So this class calls the
 * two butterfly steps itself (through method handles into the same TarsosDSP class) and learns the
 * permutation by comparing with {@code complexForward} once, at construction, on random input, where
 * it also checks that the two agree exactly (up to those signs). If anything is not as expected (another
 * TarsosDSP version, a size that takes another path, no access), it falls back to {@code complexForward}
 * with the natural order. Not thread-safe: one per thread.
 */
final class PackedFft {

    private static final MethodHandle CFTB1ST;
    private static final MethodHandle CFTLEAF;
    private static final MethodHandle W;
    private static final MethodHandle NW;

    static {
        MethodHandle b1st = null;
        MethodHandle leaf = null;
        MethodHandle w = null;
        MethodHandle nw = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(FloatFFT.class, MethodHandles.lookup());
            b1st = lookup.findVirtual(FloatFFT.class, "cftb1st",
                    MethodType.methodType(void.class, int.class, float[].class, int.class, float[].class, int.class));
            leaf = lookup.findVirtual(FloatFFT.class, "cftleaf",
                    MethodType.methodType(void.class, int.class, int.class, float[].class, int.class, int.class, float[].class));
            w = lookup.findGetter(FloatFFT.class, "w", float[].class);
            nw = lookup.findGetter(FloatFFT.class, "nw", int.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            b1st = null; // the plain complexForward it is
        }
        CFTB1ST = b1st;
        CFTLEAF = leaf;
        W = w;
        NW = nw;
    }

    private final FloatFFT fft;
    private final int n;
    /** Index in the transformed array of the real part of bin k; the imaginary part follows it. */
    private final int[] position;
    private final boolean butterfliesOnly;
    private final float[] w;
    private final int nw;

    PackedFft(int n) {
        this.n = n;
        this.fft = new FloatFFT(n);
        int[] order = null;
        float[] table = null;
        int tableLength = 0;
        // cftbsub runs cftb1st + cftleaf + bitrv2conj for 128 < 2n <= 512, i.e. n = 128 or 256
        if (CFTB1ST != null && (n == 128 || n == 256)) {
            try {
                table = (float[]) W.invokeExact(fft);
                tableLength = (int) NW.invokeExact(fft);
                order = learnOrder(table, tableLength);
            } catch (Throwable e) {
                order = null;
            }
        }
        this.butterfliesOnly = order != null;
        this.w = table;
        this.nw = tableLength;
        if (order == null) {
            order = new int[n];
            for (int k = 0; k < n; k++) {
                order[k] = 2 * k;
            }
        }
        this.position = order;
    }

    /** Whether {@link #transform} skips the reordering (false: it is plain {@code complexForward}). */
    boolean reordered() {
        return butterfliesOnly;
    }

    /** Index in the array {@link #transform} leaves behind of the real part of bin k (k &lt; n); the imaginary part is next. */
    int[] positions() {
        return position;
    }

    /**
     * In place, 2n floats, interleaved re/im: the DFT with bin k at {@link #positions()}[k], its
     * imaginary part possibly negated (the same for all bins).
     */
    void transform(float[] z) {
        if (butterfliesOnly) {
            butterflies(z, w, nw);
        } else {
            fft.complexForward(z);
        }
    }

    private void butterflies(float[] z, float[] table, int tableLength) {
        int m = 2 * n;
        try {
            CFTB1ST.invokeExact(fft, m, z, 0, table, tableLength - (m >> 2));
            CFTLEAF.invokeExact(fft, m, 1, z, 0, tableLength, table);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** The permutation, checked on random input against complexForward; null if they do not agree. */
    private int[] learnOrder(float[] table, int tableLength) {
        Random r = new Random(1);
        float[] x = new float[2 * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] reference = x.clone();
        fft.complexForward(reference);
        float[] raw = x.clone();
        butterflies(raw, table, tableLength);
        // every imaginary part must come out with the same sign (all negated, as bitrv2conj does, or none):
        // the unpacking combines bins k and n - k, and only a common sign leaves the powers unchanged
        float sign = reference[1] == -raw[1] ? -1f : 1f; // bin 0 stays at index 0; random input, so not zero
        int[] order = new int[n];
        boolean[] used = new boolean[n];
        for (int k = 0; k < n; k++) {
            float re = reference[2 * k];
            float im = reference[2 * k + 1];
            int found = -1;
            for (int p = 0; p < n; p++) {
                if (!used[p] && raw[2 * p] == re && sign * raw[2 * p + 1] == im) {
                    found = p;
                    break;
                }
            }
            if (found < 0) {
                return null;
            }
            used[found] = true;
            order[k] = 2 * found;
        }
        // a second input must follow the same permutation (the first could match by accident only in theory)
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        reference = x.clone();
        fft.complexForward(reference);
        raw = x.clone();
        butterflies(raw, table, tableLength);
        for (int k = 0; k < n; k++) {
            if (raw[order[k]] != reference[2 * k] || sign * raw[order[k] + 1] != reference[2 * k + 1]) {
                return null;
            }
        }
        return order;
    }
}
