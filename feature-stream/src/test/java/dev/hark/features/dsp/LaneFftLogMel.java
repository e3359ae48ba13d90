package dev.hark.features.dsp;

import dev.hark.features.audio.Audio;
import dev.hark.features.audio.Resampler;

import java.util.Arrays;

/**
 * What Hark's features would cost with an FFT of its own instead of TarsosDSP's: the question the
 * 5,000 clips/s target leaves to the project's owner (issue 3 prescribes TarsosDSP's FFT). Not used by
 * Hark; measured by {@code DspBenchmark.laneFft8k} and checked against {@link LogMelExtractor} by
 * {@code LaneFftLogMelTest}.
 *
 * <p>Everything but the transform and the unpacking is Hark's own code ({@link MelFilterbank#applyBins},
 * {@link LogMelExtractor#toModelInput}). The transform is a plain iterative radix-2 FFT that runs all
 * frame pairs of a clip at once, one pair per lane: every array holds one complex value's part for
 * all pairs ({@code re[i][lane]}), so each butterfly is a loop over lanes with every array read at the
 * same index, which C2 vectorises. The output is then already bin-major, the layout the filterbank
 * wants, and separating the two frames of a pair (bins k and N−k) is another such loop.
 *
 * <p>Sizes: power-of-two {@code nFft}, centred frames, any window, power 2; signals of up to
 * {@link #LANES} frame pairs (a 1 s clip is 51). Not thread-safe.
 */
public final class LaneFftLogMel {

    /** Frame pairs per call: 2.5 s at the defaults. A multiple of 16, so every lane loop is whole vectors. */
    static final int LANES = 64;
    /** Rows of {@link #LANES} lanes whose real and imaginary parts fill 32 kB, within L1: see {@link #transform}. */
    private static final int L1_ROWS = 64;

    private final FeatureSpec spec;
    private final LogMelExtractor hark;
    private final int n;
    private final int bits;
    /** Half the torch window over the whole frame (zeros outside the window), as Hark's extractor does. */
    private final float[] frameWindow;
    private final int windowFrom;
    private final int windowTo;
    /** Twiddles of each stage's butterflies, stage after stage: cos and −sin of 2πk/size. */
    private final float[] twiddleRe;
    private final float[] twiddleIm;
    private final float[][] re;
    private final float[][] im;
    private final float[][] powerEven;
    private final float[][] powerOdd;
    private final float[][] melEven;
    private final float[][] melOdd;
    /** The signal with n/2 samples of padding either side (torch.stft's centring), so frames need no edge checks. */
    private float[] padded = new float[0];

    public LaneFftLogMel(FeatureSpec spec) {
        if (Integer.bitCount(spec.nFft()) != 1 || !spec.center() || spec.power() != 2f) {
            throw new IllegalArgumentException("needs a power-of-two n_fft, centred frames and power 2: " + spec);
        }
        this.spec = spec;
        this.hark = new LogMelExtractor(spec);
        this.n = spec.nFft();
        this.bits = Integer.numberOfTrailingZeros(n);
        float[] w = LogMelExtractor.hannPeriodic(spec.winLength());
        windowFrom = (n - spec.winLength()) / 2;
        windowTo = windowFrom + spec.winLength();
        frameWindow = new float[n];
        for (int i = 0; i < w.length; i++) {
            frameWindow[windowFrom + i] = w[i] * 0.5f;
        }
        twiddleRe = new float[n - 1];
        twiddleIm = new float[n - 1];
        int t = 0;
        for (int size = 2; size <= n; size *= 2) {
            for (int k = 0; k < size / 2; k++, t++) {
                double a = 2 * Math.PI * k / size;
                twiddleRe[t] = (float) Math.cos(a);
                twiddleIm[t] = (float) -Math.sin(a);
            }
        }
        re = rows(n, LANES);
        im = rows(n, LANES);
        powerEven = rows(spec.nFreqs(), LANES);
        powerOdd = rows(spec.nFreqs(), LANES);
        melEven = rows(spec.nMels(), LANES);
        melOdd = rows(spec.nMels(), LANES);
    }

    private static float[][] rows(int count, int length) {
        float[][] r = new float[count][];
        for (int i = 0; i < count; i++) {
            r[i] = new float[length];
        }
        return r;
    }

    /** {@link LogMelExtractor#features} computed this way. */
    public float[][] features(Audio audio) {
        return hark.toModelInput(mel(Resampler.toRate(audio, spec.sampleRate()).samples()));
    }

    /** {@link LogMelExtractor#mel} computed this way. */
    public float[][] mel(float[] signal) {
        int frames = spec.framesFor(signal.length);
        int pairs = (frames + 1) / 2;
        if (frames < 1 || pairs > LANES) {
            throw new IllegalArgumentException("signals of 1 to " + 2 * LANES + " frames, not " + frames);
        }
        load(signal, frames, pairs);
        transform();
        unpack();
        MelFilterbank fb = hark.filterbank();
        fb.applyBins(powerEven, pairs, melEven);
        fb.applyBins(powerOdd, pairs, melOdd);
        float[][] mel = new float[spec.nMels()][frames];
        for (int m = 0; m < mel.length; m++) {
            float[] row = mel[m];
            float[] even = melEven[m];
            float[] odd = melOdd[m];
            for (int p = 0; p < pairs; p++) {
                row[2 * p] = even[p];
                if (2 * p + 1 < frames) {
                    row[2 * p + 1] = odd[p];
                }
            }
        }
        return mel;
    }

    /**
     * Pair p's frames 2p (real) and 2p + 1 (imaginary) into lane p, sample i of a frame into row
     * bitreverse(i): the order an in-place radix-2 transform takes its input in.
     */
    void load(float[] signal, int frames, int pairs) {
        int hop = spec.hopLength();
        int len = signal.length;
        int pad = n / 2;
        // long enough for the imaginary frame of the last pair even when it does not exist
        int need = len + 2 * pad + hop;
        if (padded.length < need) {
            padded = new float[need];
        }
        float[] x = padded;
        System.arraycopy(signal, 0, x, pad, len);
        boolean reflect = spec.padMode() == FeatureSpec.PadMode.REFLECT;
        for (int i = 0; i < pad; i++) {
            x[i] = sample(signal, i - pad, len, reflect);
        }
        for (int i = pad + len; i < need; i++) {
            x[i] = sample(signal, i - pad, len, reflect);
        }
        int whole = frames / 2; // pairs whose second frame exists
        for (int i = 0; i < n; i++) {
            float[] r = re[Integer.reverse(i) >>> (32 - bits)];
            float[] q = im[Integer.reverse(i) >>> (32 - bits)];
            if (i < windowFrom || i >= windowTo) {
                Arrays.fill(r, 0f);
                Arrays.fill(q, 0f);
                continue;
            }
            float w = frameWindow[i];
            for (int p = 0, at = i; p < pairs; p++, at += 2 * hop) { // at: padded index of sample i of frame 2p
                r[p] = x[at] * w;
                q[p] = x[at + hop] * w;
            }
            if (whole < pairs) {
                q[pairs - 1] = 0f;
            }
            Arrays.fill(r, pairs, LANES, 0f);
            Arrays.fill(q, pairs, LANES, 0f);
        }
    }

    private static float sample(float[] signal, int i, int len, boolean reflect) {
        if (i >= 0 && i < len) {
            return signal[i];
        }
        return reflect ? signal[LogMelExtractor.reflectIndex(i, len)] : 0f;
    }

    /**
     * In place, all lanes: bit-reversed input, natural-order output. The stages up to size {@link #L1_ROWS}
     * run block by block (a block's rows, 32 kB, stay in L1 through them), the last ones over everything.
     */
    void transform() {
        int blockRows = Math.min(L1_ROWS, n);
        for (int block = 0; block < n; block += blockRows) {
            stages(2, blockRows, block, block + blockRows);
        }
        stages(2 * blockRows, n, 0, n);
    }

    private void stages(int fromSize, int toSize, int first, int end) {
        for (int size = fromSize; size <= toSize; size *= 2) {
            int half = size / 2;
            int t = half - 1; // this stage's twiddles start after those of the smaller sizes (1 + 2 + ... + half/2)
            for (int start = first; start < end; start += size) {
                addSubtract(re[start], im[start], re[start + half], im[start + half]); // k = 0: w = 1
            }
            for (int k = 1; k < half; k++) {
                float wr = twiddleRe[t + k];
                float wi = twiddleIm[t + k];
                if (2 * k == half) { // w = -i
                    for (int start = first; start < end; start += size) {
                        minusI(re[start + k], im[start + k], re[start + k + half], im[start + k + half]);
                    }
                } else {
                    for (int start = first; start < end; start += size) {
                        butterfly(re[start + k], im[start + k], re[start + k + half], im[start + k + half], wr, wi);
                    }
                }
            }
        }
    }

    private static void addSubtract(float[] ar, float[] ai, float[] br, float[] bi) {
        for (int l = 0; l < LANES; l++) {
            float xr = br[l];
            float xi = bi[l];
            float yr = ar[l];
            float yi = ai[l];
            br[l] = yr - xr;
            bi[l] = yi - xi;
            ar[l] = yr + xr;
            ai[l] = yi + xi;
        }
    }

    /** The butterfly for w = -i: w·b = (b.im, -b.re). */
    private static void minusI(float[] ar, float[] ai, float[] br, float[] bi) {
        for (int l = 0; l < LANES; l++) {
            float tr = bi[l];
            float ti = -br[l];
            float yr = ar[l];
            float yi = ai[l];
            br[l] = yr - tr;
            bi[l] = yi - ti;
            ar[l] = yr + tr;
            ai[l] = yi + ti;
        }
    }

    private static void butterfly(float[] ar, float[] ai, float[] br, float[] bi, float wr, float wi) {
        for (int l = 0; l < LANES; l++) {
            float xr = br[l];
            float xi = bi[l];
            float tr = wr * xr - wi * xi;
            float ti = wr * xi + wi * xr;
            float yr = ar[l];
            float yi = ai[l];
            br[l] = yr - tr;
            bi[l] = yi - ti;
            ar[l] = yr + tr;
            ai[l] = yi + ti;
        }
    }

    /** Bins 0 .. n/2 of the even and odd frames from bins k and n − k of the packed spectra. */
    void unpack() {
        for (int k = 0; k <= n / 2; k++) {
            int mirror = k == 0 ? 0 : n - k;
            float[] zr = re[k];
            float[] zi = im[k];
            float[] cr = re[mirror];
            float[] ci = im[mirror];
            float[] even = powerEven[k];
            float[] odd = powerOdd[k];
            for (int l = 0; l < LANES; l++) {
                float ar = zr[l] + cr[l];
                float ai = zi[l] - ci[l];
                float br = zi[l] + ci[l];
                float bi = zr[l] - cr[l];
                even[l] = ar * ar + ai * ai;
                odd[l] = br * br + bi * bi;
            }
        }
    }
}
