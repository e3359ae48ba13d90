package dev.hark.audio.dsp;

import java.util.Arrays;

/**
 * Natural logs of many floats at once, within one float ulp of {@code (float) Math.log(v)}: after the
 * FFT, the logs were the largest cost of a clip (4,040 per 1 s clip). Pure float arithmetic in a fixed
 * order, so it gives the same bits on every JVM, which Math.log does not promise, and the same bits
 * for one value ({@link #ln(float)}) as for an array ({@link #ln(float[], int, float[], int, int, float)}).
 *
 * <p>The arithmetic is FreeBSD's and musl's {@code logf}: v = 2^k · x with x in [√2/2, √2), f = x − 1,
 * s = f / (2 + f), ln(1 + f) = f − f²/2 + s·(f²/2 + R(s²)) with a degree-8 odd minimax polynomial R, and
 * k·ln 2 split into a high and a low part (error below one ulp).
 *
 * <p>Why it is written as thirteen short loops over a chunk instead of one: C2 (Java 17) vectorises a
 * loop only if every operation in it has a vector form and the body is simple enough. Float-to-bits
 * and back have none, and the whole formula in one loop is not vectorised at all (measured: no faster
 * than scalar). Split, the arithmetic runs in AVX lanes and only the bit moves stay scalar: 2.2× faster
 * than the previous table-driven scalar log (13 against 28 µs for a clip's 4,040 logs). Not
 * thread-safe (work arrays): one per thread.
 */
final class FastLog {

    /** Values per chunk: the ten work arrays (2 kB each) stay in L1 with the data. A power of two (see {@link #total}). */
    static final int CHUNK = 512;

    private static final float LN2_HI = 0x1.62e3p-1f; // 6.9313812256e-01
    private static final float LN2_LO = 0x1.2fefa2p-17f; // 9.0580006145e-06
    private static final float LG1 = 0xaaaaaa.0p-24f; // 0.66666662693
    private static final float LG2 = 0xccce13.0p-25f; // 0.40000972152
    private static final float LG3 = 0x91e9ee.0p-25f; // 0.28498786688
    private static final float LG4 = 0xf89e26.0p-26f; // 0.24279078841
    /** Moves a mantissa at or above √2 (bits 0x3504f3) into the next exponent. */
    private static final int SHIFT = 0x3f80_0000 - 0x3f35_04f3;

    private final float[] x = new float[CHUNK];
    private final int[] bits = new int[CHUNK];
    private final float[] k = new float[CHUNK];
    private final float[] f = new float[CHUNK];
    private final float[] s = new float[CHUNK];
    private final float[] r = new float[CHUNK];
    private final int[] exponent = new int[CHUNK];
    /** Per-position sums of the logs and their squares since {@link #resetMoments}: see {@link #sum}. */
    private final float[] sumLanes = new float[CHUNK];
    private final float[] squareLanes = new float[CHUNK];
    private final float[] fold = new float[CHUNK];

    /** ln v for one value; special values (zero, negative, subnormal, infinite, NaN) as Math.log has them. */
    static float ln(float v) {
        int b = Float.floatToRawIntBits(v);
        if (b < 0x0080_0000 || b >= 0x7f80_0000) {
            return (float) Math.log(v);
        }
        int ix = b + SHIFT;
        float dk = (ix >> 23) - 0x7f;
        float fv = Float.intBitsToFloat((ix & 0x007f_ffff) + 0x3f35_04f3) - 1.0f;
        float sv = fv / (2.0f + fv);
        return poly(fv, sv, dk);
    }

    private static float poly(float fv, float sv, float dk) {
        float z = sv * sv;
        float w = z * z;
        float t1 = w * (LG2 + w * LG4);
        float t2 = z * (LG1 + w * LG3);
        float r = t2 + t1;
        float hfsq = 0.5f * fv * fv;
        // the operations of the array loops series, product and sum, in the same order: the same bits
        return sv * (hfsq + r) + dk * LN2_LO - hfsq + fv + dk * LN2_HI;
    }

    /**
     * {@code dst[to + i] = ln(max(src[from + i], floor))} for i &lt; n, bit for bit what {@link #ln(float)}
     * gives. {@code floor} must be positive and finite (a subnormal floor takes the slow path). {@code src}
     * and {@code dst} may be the same array at the same offset.
     */
    void ln(float[] src, int from, float[] dst, int to, int n, float floor) {
        if (!(floor > 0) || floor == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("floor must be a positive finite float, got " + floor);
        }
        boolean normal = floor >= Float.MIN_NORMAL; // else values may be subnormal, which the bit tricks do not take
        for (int done = 0; done < n; done += CHUNK) {
            int count = Math.min(CHUNK, n - done);
            if (normal) {
                chunk(src, from + done, dst, to + done, count, floor);
            } else {
                oneByOne(src, from + done, dst, to + done, count, floor);
            }
        }
    }

    /** The chunk through {@link #ln(float)}, value by value: for NaN, infinity and subnormal floors. */
    private void oneByOne(float[] src, int from, float[] dst, int to, int n, float floor) {
        for (int i = 0; i < n; i++) {
            f[i] = ln(Math.max(src[from + i], floor));
        }
        accumulate(f, sumLanes, squareLanes, n);
        System.arraycopy(f, 0, dst, to, n);
    }

    private void chunk(float[] src, int from, float[] dst, int to, int n, float floor) {
        float[] x = this.x;
        float[] k = this.k;
        float[] f = this.f;
        float[] s = this.s;
        float[] r = this.r;
        int[] bits = this.bits;
        int[] exponent = this.exponent;
        // every loop starts at index 0 of its arrays: C2 does not vectorise a loop whose arrays are
        // read at different variable offsets
        System.arraycopy(src, from, x, 0, n);
        floor(x, n, floor);
        toBits(x, bits, n);
        if (exponents(bits, n) >= 256) { // NaN or infinity in the input: let the library say what they become
            oneByOne(src, from, dst, to, n, floor);
            return;
        }
        split(bits, exponent, n);
        toFloats(bits, x, n);
        toFloats(exponent, k, n);
        unbias(k, n);
        ratios(x, f, s, n);
        square(s, x, n);
        series(x, r, n);
        product(f, s, r, x, n);
        sum(f, x, k, n);
        accumulate(f, sumLanes, squareLanes, n);
        System.arraycopy(f, 0, dst, to, n);
    }

    /** Forgets the sums of the logs written so far. */
    void resetMoments() {
        Arrays.fill(sumLanes, 0f);
        Arrays.fill(squareLanes, 0f);
    }

    /**
     * The sum of the logs written since {@link #resetMoments} (floored values, as written). Each chunk
     * position keeps its own float sum (a 1 s clip puts eight values in each), which one loop
     * vectorises; the positions are added up in double here. A scalar double sum over the values cost
     * as much as the logs themselves.
     */
    double sum() {
        return total(sumLanes);
    }

    /** The sum of the squares of the logs written since {@link #resetMoments}. */
    double sumOfSquares() {
        return total(squareLanes);
    }

    /**
     * The lanes added up: folded in half in float down to 16 (each fold a vectorised loop over a copy, so
     * that both arrays are read from index 0), then in double. Pairwise, so no less exact than a running
     * sum; a scalar double loop over the 512 lanes cost 2 % of a clip.
     */
    private double total(float[] lanes) {
        float[] fold = this.fold;
        System.arraycopy(lanes, 0, fold, 0, CHUNK);
        for (int half = CHUNK / 2; half >= 16; half /= 2) {
            System.arraycopy(fold, half, x, 0, half);
            addInto(fold, x, half);
        }
        double sum = 0;
        for (int i = 0; i < 16; i++) {
            sum += fold[i];
        }
        return sum;
    }

    private static void addInto(float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) {
            a[i] += b[i];
        }
    }

    private static void accumulate(float[] x, float[] sums, float[] squares, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[i];
            sums[i] += v;
            squares[i] += v * v;
        }
    }

    private static void floor(float[] x, int n, float floor) {
        for (int i = 0; i < n; i++) {
            x[i] = Math.max(x[i], floor);
        }
    }

    private static void toBits(float[] x, int[] bits, int n) {
        for (int i = 0; i < n; i++) { // scalar: no vector form in C2
            bits[i] = Float.floatToRawIntBits(x[i]);
        }
    }

    /** An OR of biased exponent + 1 over the chunk: 256 or more if there is an infinity or a NaN. */
    private static int exponents(int[] bits, int n) {
        int or = 0;
        for (int i = 0; i < n; i++) {
            or |= (bits[i] >>> 23) + 1;
        }
        return or;
    }

    /**
     * bits becomes the mantissa moved to [√2/2, √2), exponent the float bits of 2^23 + 127 + k: an int
     * to float conversion has no vector form in C2 either, a bit move is cheaper, and {@link #unbias}
     * subtracts exactly.
     */
    private static void split(int[] bits, int[] exponent, int n) {
        for (int i = 0; i < n; i++) {
            int ix = bits[i] + SHIFT;
            exponent[i] = 0x4b00_0000 + (ix >>> 23);
            bits[i] = (ix & 0x007f_ffff) + 0x3f35_04f3;
        }
    }

    private static void toFloats(int[] bits, float[] x, int n) {
        for (int i = 0; i < n; i++) { // scalar: no vector form in C2
            x[i] = Float.intBitsToFloat(bits[i]);
        }
    }

    /** 2^23 + 127 + k → k, exactly (integers below 2^24). */
    private static void unbias(float[] k, int n) {
        for (int i = 0; i < n; i++) {
            k[i] = k[i] - (0x1p23f + 0x7f);
        }
    }

    private static void ratios(float[] x, float[] f, float[] s, int n) {
        for (int i = 0; i < n; i++) {
            float fv = x[i] - 1.0f;
            f[i] = fv;
            s[i] = fv / (2.0f + fv);
        }
    }

    // The series in three loops because C2 does not vectorise it as one (a loaded value used twice
    // in a long expression defeats it: one loop measured 7× slower than these three together).

    private static void square(float[] s, float[] z, int n) {
        for (int i = 0; i < n; i++) {
            float sv = s[i];
            z[i] = sv * sv;
        }
    }

    /** r = R(s²) = t2 + t1. */
    private static void series(float[] z, float[] r, int n) {
        for (int i = 0; i < n; i++) {
            float zv = z[i];
            float w = zv * zv;
            r[i] = zv * (LG1 + w * LG3) + w * (LG2 + w * LG4);
        }
    }

    private static void product(float[] f, float[] s, float[] r, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            float fv = f[i];
            float hfsq = 0.5f * fv * fv;
            out[i] = s[i] * (hfsq + r[i]);
        }
    }

    /** f becomes the log. */
    private static void sum(float[] f, float[] product, float[] k, int n) {
        for (int i = 0; i < n; i++) {
            float fv = f[i];
            float dk = k[i];
            float hfsq = 0.5f * fv * fv;
            f[i] = product[i] + dk * LN2_LO - hfsq + fv + dk * LN2_HI;
        }
    }
}
