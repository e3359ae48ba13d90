package dev.hark.audio;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Sample-rate conversion by a Kaiser-windowed sinc, evaluated as an exact polyphase filter for the
 * rational ratio {@code outRate/inRate} (or, when that ratio needs an impractically large phase table,
 * from a finely tabulated kernel with linear interpolation).
 *
 * <p>Design, relative to the lower of the two rates {@code fLow}: pass band up to
 * {@value #PASS_EDGE}·fLow, stop band from {@value #STOP_EDGE}·fLow (i.e. from the lower Nyquist
 * frequency, so nothing aliases into the kept band) with at least {@value #STOP_ATTENUATION_DB} dB
 * attenuation. At 8 kHz output that is flat to 3.36 kHz, -6 dB at 3.68 kHz and ≥ 70 dB down from
 * 4 kHz. TarsosDSP's resampler (libresample) was measured and rejected: see docs/dsp.md.
 *
 * <p>Output sample {@code n} sits at input time {@code n·inRate/outRate}: no delay, first samples
 * aligned; the signal is taken as zero outside its ends; the output has
 * {@code ceil(length·outRate/inRate)} samples. Each phase is normalised to unit DC gain.
 *
 * <p>Instances are immutable and thread-safe; {@link #of} caches one per rate pair.
 */
public final class Resampler {

    /** Pass-band edge as a fraction of the lower rate. */
    public static final double PASS_EDGE = 0.42;
    /** Stop-band edge as a fraction of the lower rate: the lower Nyquist frequency. */
    public static final double STOP_EDGE = 0.50;
    /** Minimum stop-band attenuation the Kaiser window is designed for. */
    public static final double STOP_ATTENUATION_DB = 70.0;

    /** Above this many coefficients (1 MB) the exact phase table is replaced by an interpolated kernel. */
    private static final int MAX_TABLE = 1 << 18;
    /** Rate pairs kept by {@link #of}; rates come from data, so the cache must not grow without bound. */
    private static final int MAX_CACHED = 32;
    /** Kernel points per input sample in interpolated mode: linear-interpolation error ≈ -84 dB. */
    private static final int KERNEL_RESOLUTION = 64;

    private static final ConcurrentHashMap<Long, Resampler> CACHE = new ConcurrentHashMap<>();

    private final int inRate;
    private final int outRate;
    /** Output step in input samples is up/down... named as in polyphase literature: L (interpolation), M (decimation). */
    private final int l;
    private final int m;
    private final double halfLength;
    /** Taps per output sample and the offset of the first tap from floor(t). */
    private final int taps;
    private final int firstTap;
    /** Exact mode: phases[p * taps + i]; null in interpolated mode. */
    private final float[] phases;
    /** Interpolated mode: one side of the symmetric kernel, KERNEL_RESOLUTION points per input sample. */
    private final float[] kernel;

    private Resampler(int inRate, int outRate) {
        for (int rate : new int[] {inRate, outRate}) {
            // the filter grows with the ratio: an absurd rate from a bad record must not allocate gigabytes
            if (rate < WavDecoder.MIN_RATE || rate > WavDecoder.MAX_RATE) {
                throw new IllegalArgumentException("sample rate " + rate + " Hz is outside " + WavDecoder.MIN_RATE
                        + "–" + WavDecoder.MAX_RATE + " Hz");
            }
        }
        this.inRate = inRate;
        this.outRate = outRate;
        int g = gcd(inRate, outRate);
        this.l = outRate / g;
        this.m = inRate / g;

        double lowRate = Math.min(inRate, outRate);
        double transition = (STOP_EDGE - PASS_EDGE) * lowRate / inRate; // cycles per input sample
        double cutoff = (PASS_EDGE + STOP_EDGE) / 2 * lowRate / inRate;
        double beta = kaiserBeta(STOP_ATTENUATION_DB);
        // Kaiser's length estimate: N - 1 = (A - 7.95) / (2.285 · 2π · Δf)
        double order = (STOP_ATTENUATION_DB - 7.95) / (2.285 * 2 * Math.PI * transition);
        this.halfLength = order / 2;
        int w = (int) Math.floor(halfLength) + 1;
        this.taps = 2 * w;
        this.firstTap = 1 - w;

        if (inRate == outRate) {
            phases = null;
            kernel = null;
        } else if ((long) l * taps <= MAX_TABLE) {
            phases = new float[l * taps];
            for (int p = 0; p < l; p++) {
                double frac = p / (double) l;
                double sum = 0;
                double[] c = new double[taps];
                for (int i = 0; i < taps; i++) {
                    c[i] = kernel(frac - (firstTap + i), cutoff, beta);
                    sum += c[i];
                }
                for (int i = 0; i < taps; i++) {
                    phases[p * taps + i] = (float) (c[i] / sum);
                }
            }
            kernel = null;
        } else {
            phases = null;
            int points = (int) Math.ceil(halfLength * KERNEL_RESOLUTION) + 2;
            kernel = new float[points];
            for (int i = 0; i < points; i++) {
                kernel[i] = (float) kernel(i / (double) KERNEL_RESOLUTION, cutoff, beta);
            }
        }
    }

    /**
     * The resampler for a rate pair, cached for the first {@value #MAX_CACHED} pairs seen.
     *
     * @throws IllegalArgumentException for a rate outside [{@value WavDecoder#MIN_RATE}, {@value WavDecoder#MAX_RATE}] Hz
     */
    public static Resampler of(int inRate, int outRate) {
        long key = ((long) inRate << 32) | (outRate & 0xFFFF_FFFFL);
        Resampler cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        Resampler fresh = new Resampler(inRate, outRate);
        if (CACHE.size() < MAX_CACHED) {
            CACHE.putIfAbsent(key, fresh);
        }
        return fresh;
    }

    /** {@code audio} at {@code rate}; the same instance when it already is. */
    public static Audio toRate(Audio audio, int rate) {
        if (audio.sampleRate() == rate) {
            return audio;
        }
        float[] out = of(audio.sampleRate(), rate).process(audio.samples());
        return new Audio(out, rate, audio.sourceChannels(), audio.sourceFormat());
    }

    /** Input samples each output sample reads. */
    public int taps() {
        return inRate == outRate ? 1 : taps;
    }

    public int outputLength(int inputLength) {
        return (int) ((inputLength * (long) l + m - 1) / m);
    }

    /** Resamples a whole signal; returns the input array itself when the rates are equal. */
    public float[] process(float[] x) {
        if (inRate == outRate) {
            return x;
        }
        float[] y = new float[outputLength(x.length)];
        if (phases != null) {
            processPolyphase(x, y);
        } else {
            processInterpolated(x, y);
        }
        return y;
    }

    /**
     * The phase-table filter, arranged so the JIT can vectorise it: outputs p, p + L, p + 2L, ... share
     * one set of coefficients and read the input at a stride of M; splitting the (zero-padded) input into
     * M interleaved streams makes every tap a contiguous multiply-add over all those outputs. Same
     * products as the filter's definition (one output at a time: ResamplerTest), summed in another order;
     * 4–5x faster for 48 -> 8 kHz.
     */
    private void processPolyphase(float[] x, float[] y) {
        final int n = x.length;
        final int t = taps;
        final int pad = t + m; // zeros before the signal so every index below is >= 0
        final int streamLength = (n + 2 * pad + t) / m + 2;
        // stream r holds padded input samples r, r + M, r + 2M, ...
        float[][] streams = new float[m][streamLength];
        for (int i = 0; i < n; i++) {
            int k = i + pad;
            streams[k % m][k / m] = x[i];
        }
        int outputsPerPhase = (y.length + l - 1) / l;
        float[] acc = new float[outputsPerPhase];
        for (int p = 0; p < l && p < y.length; p++) {
            int count = (y.length - p + l - 1) / l;
            java.util.Arrays.fill(acc, 0, count, 0f);
            long first = (long) p * m / l + firstTap + pad; // padded index of the first tap of output p
            int c = (int) ((long) p * m % l) * t; // output p + uL sits (pM mod L)/L past its base sample
            int i = 0;
            for (; i + 3 < t; i += 4) {
                long k0 = first + i;
                float[] s0 = streams[(int) (k0 % m)];
                float[] s1 = streams[(int) ((k0 + 1) % m)];
                float[] s2 = streams[(int) ((k0 + 2) % m)];
                float[] s3 = streams[(int) ((k0 + 3) % m)];
                int q0 = (int) (k0 / m);
                int q1 = (int) ((k0 + 1) / m);
                int q2 = (int) ((k0 + 2) / m);
                int q3 = (int) ((k0 + 3) / m);
                float c0 = phases[c + i];
                float c1 = phases[c + i + 1];
                float c2 = phases[c + i + 2];
                float c3 = phases[c + i + 3];
                for (int u = 0; u < count; u++) {
                    acc[u] += c0 * s0[q0 + u] + c1 * s1[q1 + u] + c2 * s2[q2 + u] + c3 * s3[q3 + u];
                }
            }
            for (; i < t; i++) {
                long k = first + i;
                float[] s = streams[(int) (k % m)];
                int q = (int) (k / m);
                float ci = phases[c + i];
                for (int u = 0; u < count; u++) {
                    acc[u] += ci * s[q + u];
                }
            }
            for (int u = 0, j = p; u < count; u++, j += l) {
                y[j] = acc[u];
            }
        }
    }


    private void processInterpolated(float[] x, float[] y) {
        final int n = x.length;
        final float[] k = kernel;
        final int last = k.length - 1;
        int base = 0;
        int phase = 0;
        for (int j = 0; j < y.length; j++) {
            double frac = phase / (double) l;
            int start = base + firstTap;
            double acc = 0;
            double sum = 0;
            for (int i = 0; i < taps; i++) {
                double u = Math.abs(frac - (firstTap + i)) * KERNEL_RESOLUTION;
                int idx = (int) u;
                if (idx >= last) {
                    continue;
                }
                double c = k[idx] + (u - idx) * (k[idx + 1] - k[idx]);
                sum += c;
                int xi = start + i;
                if (xi >= 0 && xi < n) {
                    acc += x[xi] * c;
                }
            }
            y[j] = (float) (acc / sum);
            phase += m;
            base += phase / l;
            phase %= l;
        }
    }

    /** Windowed sinc at {@code t} input samples from its centre; {@code cutoff} in cycles per input sample. */
    private double kernel(double t, double cutoff, double beta) {
        double u = t / halfLength;
        if (Math.abs(u) >= 1) {
            return 0;
        }
        double x = 2 * cutoff * t;
        double sinc = x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
        return 2 * cutoff * sinc * besselI0(beta * Math.sqrt(1 - u * u)) / besselI0(beta);
    }

    /** Kaiser's empirical β for a given stop-band attenuation in dB. */
    static double kaiserBeta(double attenuationDb) {
        if (attenuationDb > 50) {
            return 0.1102 * (attenuationDb - 8.7);
        }
        if (attenuationDb >= 21) {
            return 0.5842 * Math.pow(attenuationDb - 21, 0.4) + 0.07886 * (attenuationDb - 21);
        }
        return 0;
    }

    /** Modified Bessel function of the first kind, order 0, by its power series (converges fast for β < 20). */
    static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double half = x / 2;
        for (int k = 1; k < 200; k++) {
            term *= (half / k) * (half / k);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return sum;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    @Override
    public String toString() {
        return "Resampler[" + inRate + " -> " + outRate + " Hz, L/M=" + l + "/" + m + ", " + taps() + " taps, "
                + (phases != null ? "phase table" : kernel != null ? "interpolated kernel" : "identity") + "]";
    }
}
