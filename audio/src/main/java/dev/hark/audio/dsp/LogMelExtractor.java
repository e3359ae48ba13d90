package dev.hark.audio.dsp;

import dev.hark.audio.Audio;
import dev.hark.audio.Resampler;
import dev.hark.audio.dsp.FeatureSpec.Normalisation;
import dev.hark.audio.dsp.FeatureSpec.PadMode;

import java.util.Arrays;

/**
 * Computes log-mel features for one {@link FeatureSpec}: the same code for training and serving.
 *
 * <ul>
 *   <li>{@link #mel} — mel power, equal to {@code torchaudio.transforms.MelSpectrogram} with the spec's
 *       arguments (checked against torchaudio fixtures to 1e-4 of the matrix maximum);</li>
 *   <li>{@link #logMel} — what the model sees: {@code ln(max(mel, logFloor))}, fitted to
 *       {@code clipFrames}, normalised;</li>
 *   <li>{@link #features} — the same from decoded audio at any rate (resampled first).</li>
 * </ul>
 *
 * <p>Thread-safe: window and filterbank are immutable, and each thread gets its own FFT and scratch
 * buffers from a {@link ThreadLocal}, so one instance can serve every stream thread. Set up costs well
 * under a millisecond; share instances anyway.
 */
public final class LogMelExtractor {

    /** Normalisation divides by max(std, STD_FLOOR) so a constant (silent) matrix becomes zeros, not NaN. */
    public static final float STD_FLOOR = 1e-5f;

    private final FeatureSpec spec;
    private final MelFilterbank filterbank;
    /**
     * Half the torch window of winLength samples; it sits at [windowOffset, windowOffset + winLength) of
     * the frame. Halved because separating two packed spectra halves their sum and difference (see
     * {@link #unpackPower}): scaling by a power of two is exact in floating point, through the FFT too,
     * so halving the input gives the same bits as halving the output and saves two multiplications a bin.
     */
    private final float[] window;
    private final int windowOffset;
    private final float logFloorValue;
    private final ThreadLocal<Scratch> scratch;

    /**
     * Frames per block of the power buffer: a 1 s clip (101 frames) is one block, longer signals take
     * several, so the per-thread buffer stays bounded (66 kB at the defaults). Even, so the two frames
     * of a packed FFT always fall into the same block.
     */
    static final int BLOCK = 128;
    /**
     * {@link #logMel} keeps the mel power of signals up to this many frames (2.55 s at the defaults)
     * in per-thread scratch instead of a new matrix; longer signals get one.
     */
    static final int SCRATCH_FRAMES = 256;

    /**
     * Per-thread state: TarsosDSP's FFT keeps work arrays, and reusing buffers keeps the hot path
     * allocation-free. {@code packed} holds two real frames as one complex signal (see {@link #mel}).
     * Power and mel power of a block are kept bin- and band-major, one array per row, so the filterbank
     * is multiply-adds of whole rows all read from index 0: C2 vectorises only loops whose arrays are
     * read at the same index (a row at an offset in a flat array defeats it).
     */
    private static final class Scratch {
        final PackedFft fft;
        final float[] packed;
        /** Bin-major power of a block: {@code powerBins[k][u]}, bin k of the block's frame u. */
        final float[][] powerBins;
        /** Mel power of a block, band-major: {@code melBands[m][u]}. */
        final float[][] melBands;
        /**
         * Mel power of signals up to {@link #SCRATCH_FRAMES} frames on the way to {@link #logMel}, band
         * after band ({@code [m * frames + t]}), then their logs in place: one flat array, so the log and
         * the normalisation are single loops the JIT can vectorise.
         */
        final float[] mel;
        final FastLog log = new FastLog();

        Scratch(FeatureSpec spec) {
            fft = new PackedFft(spec.nFft());
            packed = new float[2 * spec.nFft()];
            powerBins = new float[spec.nFreqs()][BLOCK];
            melBands = new float[spec.nMels()][BLOCK];
            mel = new float[spec.nMels() * SCRATCH_FRAMES];
        }

        /** The scratch mel array if {@code rows × frames} fits, else a new one. */
        float[] mel(int rows, int frames) {
            return (long) rows * frames <= mel.length ? mel : new float[Math.multiplyExact(rows, frames)];
        }
    }

    public LogMelExtractor(FeatureSpec spec) {
        this.spec = spec;
        this.filterbank = MelFilterbank.of(spec);
        this.window = hannPeriodic(spec.winLength());
        for (int i = 0; i < window.length; i++) {
            window[i] *= 0.5f;
        }
        this.windowOffset = (spec.nFft() - spec.winLength()) / 2; // torch.stft centres a short window
        this.logFloorValue = FastLog.ln(spec.logFloor()); // the bits FastLog gives floored cells
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(spec));
    }

    /** {@code torch.hann_window(n)}, periodic: 0.5 - 0.5 cos(2πi/n). */
    static float[] hannPeriodic(int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / n));
        }
        return w;
    }

    public FeatureSpec spec() {
        return spec;
    }

    public MelFilterbank filterbank() {
        return filterbank;
    }

    /** What the model sees for decoded audio at any rate: resample to the spec's rate, then {@link #logMel}. */
    public float[][] features(Audio audio) {
        return logMel(Resampler.toRate(audio, spec.sampleRate()).samples());
    }

    /** What the model sees: [nMels][clipFrames]. {@code signal} must be at the spec's sample rate. */
    public float[][] logMel(float[] signal) {
        int frames = checkedFrames(signal);
        Scratch s = scratch.get();
        float[] mel = s.mel(spec.nMels(), frames);
        melInto(signal, frames, mel, s);
        return modelInput(mel, spec.nMels(), frames, s);
    }

    /**
     * Mel power [nMels][frames] of a signal at the spec's sample rate, before log and fitting: what
     * torchaudio's MelSpectrogram returns. {@code frames = 1 + len / hop} when centred.
     *
     * @throws IllegalArgumentException when the signal is too short for a single frame
     */
    public float[][] mel(float[] signal) {
        int frames = checkedFrames(signal);
        Scratch s = scratch.get();
        float[] mel = s.mel(spec.nMels(), frames);
        melInto(signal, frames, mel, s);
        float[][] rows = new float[spec.nMels()][];
        for (int m = 0; m < rows.length; m++) {
            rows[m] = Arrays.copyOfRange(mel, m * frames, (m + 1) * frames);
        }
        return rows;
    }

    private int checkedFrames(float[] signal) {
        int frames = spec.framesFor(signal.length);
        if (frames < 1 || signal.length == 0) {
            throw new IllegalArgumentException("a signal of " + signal.length + " samples is too short for one frame of "
                    + spec.nFft() + (spec.center() ? " (centred)" : ""));
        }
        return frames;
    }

    /** Mel power of {@code frames} frames into {@code mel[m * frames + t]}. */
    private void melInto(float[] signal, int frames, float[] mel, Scratch s) {
        int nFft = spec.nFft();
        float[] z = s.packed;
        // Two real frames per complex FFT: frame t in the real part, frame t+1 in the imaginary part.
        // Their spectra separate exactly by conjugate symmetry, which halves the number of FFTs;
        // TarsosDSP's FFT is most of the cost of a clip. Neighbouring frames overlap, so their
        // energies are alike and the rounding cross-talk stays ~140 dB below either.
        for (int t0 = 0; t0 < frames; t0 += BLOCK) {
            int count = Math.min(BLOCK, frames - t0);
            for (int u = 0; u < count; u += 2) {
                loadPair(signal, t0 + u, u + 1 < count, z);
                s.fft.transform(z);
                unpackPower(z, s.fft.positions(), nFft, s.powerBins, u);
            }
            float p = spec.power();
            if (p != 2f) {
                double e = p / 2.0;
                for (float[] row : s.powerBins) {
                    for (int u = 0; u < count; u++) {
                        row[u] = (float) Math.pow(row[u], e);
                    }
                }
            }
            filterbank.applyBins(s.powerBins, count, s.melBands);
            for (int m = 0; m < s.melBands.length; m++) {
                System.arraycopy(s.melBands[m], 0, mel, m * frames + t0, count);
            }
        }
    }

    /**
     * Windowed frames t (real parts) and t + 1 (imaginary parts, zeros when {@code pair} is false) into
     * the interleaved complex array z.
     */
    void loadPair(float[] signal, int t, boolean pair, float[] z) {
        int nFft = spec.nFft();
        int win = window.length;
        int from = windowOffset;
        int to = windowOffset + win;
        int n = signal.length;
        int hop = spec.hopLength();
        // torch.stft's zeros either side of a short window; the FFT works in place, so every time
        Arrays.fill(z, 0, 2 * from, 0f);
        Arrays.fill(z, 2 * to, 2 * nFft, 0f);
        int first = t * hop - (spec.center() ? nFft / 2 : 0) + from; // signal index of the window's first sample
        int second = first + hop;
        float[] w = window;
        if (first >= 0 && (pair ? second : first) + win <= n) {
            // inside the signal: the common case, one tight loop
            if (pair) {
                for (int j = 0, o = 2 * from; j < win; j++, o += 2) {
                    float wj = w[j];
                    z[o] = signal[first + j] * wj;
                    z[o + 1] = signal[second + j] * wj;
                }
            } else {
                for (int j = 0, o = 2 * from; j < win; j++, o += 2) {
                    z[o] = signal[first + j] * w[j];
                    z[o + 1] = 0f;
                }
            }
        } else {
            loadEdge(signal, first, z, 0);
            if (pair) {
                loadEdge(signal, second, z, 1);
            } else {
                for (int j = 2 * from + 1; j < 2 * to; j += 2) {
                    z[j] = 0f;
                }
            }
        }
    }

    /** A window starting at signal index {@code first} that reaches past an end: padded as the spec says. */
    private void loadEdge(float[] signal, int first, float[] z, int part) {
        int n = signal.length;
        int from = windowOffset;
        boolean reflect = spec.padMode() == PadMode.REFLECT;
        for (int j = 0; j < window.length; j++) {
            int i = first + j;
            float v;
            if (i >= 0 && i < n) {
                v = signal[i];
            } else if (reflect) {
                v = signal[reflectIndex(i, n)];
            } else {
                v = 0f;
            }
            z[2 * (from + j) + part] = v * window[j];
        }
    }

    /**
     * Power spectra of the two real frames packed in z = a + ib, from Z = FFT(z):
     * A[k] = (Z[k] + conj Z[N-k]) / 2 to {@code power[k][u]} and B[k] = (Z[k] - conj Z[N-k]) / 2i to
     * {@code power[k][u + 1]}, k = 0 .. N/2, bin k of Z being at {@code z[at[k]]} (real) and
     * {@code z[at[k] + 1]} (imaginary, possibly negated for all bins alike, which leaves both powers
     * unchanged). The halving is not done here: z must hold the frames times half the window, so Z is
     * Z/2 already.
     */
    static void unpackPower(float[] z, int[] at, int nFft, float[][] power, int u) {
        int half = nFft / 2;
        int p0 = at[0];
        float z0r = z[p0];
        float z0i = z[p0 + 1];
        float a0r = z0r + z0r;
        float a0i = z0i - z0i;
        float b0r = z0i + z0i;
        float b0i = z0r - z0r;
        float[] row = power[0];
        row[u] = a0r * a0r + a0i * a0i;
        row[u + 1] = b0r * b0r + b0i * b0i;
        for (int k = 1; k <= half; k++) {
            int p = at[k];
            int q = at[nFft - k];
            float zr = z[p];
            float zi = z[p + 1];
            float cr = z[q];
            float ci = z[q + 1];
            float ar = zr + cr;
            float ai = zi - ci;
            float br = zi + ci;
            float bi = zr - cr;
            row = power[k];
            row[u] = ar * ar + ai * ai;
            row[u + 1] = br * br + bi * bi;
        }
    }

    /**
     * {@code new float[rows][columns]}, row by row: C2 compiles a two-dimensional {@code new} into a call
     * to the runtime, row allocations into inline bump-the-pointer allocations.
     */
    private static float[][] matrix(int rows, int columns) {
        float[][] m = new float[rows][];
        for (int i = 0; i < rows; i++) {
            m[i] = new float[columns];
        }
        return m;
    }

    /**
     * numpy/torch 'reflect' (the edge sample is not repeated), continued periodically for signals
     * shorter than the padding, where torch would refuse.
     */
    static int reflectIndex(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int period = 2 * (n - 1);
        int k = Math.floorMod(i, period);
        return k < n ? k : period - k;
    }

    /**
     * From mel power [nMels][any frames] to the model input [nMels][clipFrames]:
     * ln(max(mel, floor)), then fit, then normalisation. Does not modify its argument. The same
     * computation as {@link #logMel} does after {@link #mel}, to the bit.
     */
    public float[][] toModelInput(float[][] mel) {
        int rows = mel.length;
        int frames = mel[0].length;
        Scratch s = scratch.get();
        float[] flat = s.mel(rows, frames);
        for (int m = 0; m < rows; m++) {
            System.arraycopy(mel[m], 0, flat, m * frames, frames);
        }
        return modelInput(flat, rows, frames, s);
    }

    /**
     * {@link #toModelInput(float[][])} of the flat {@code mel[m * frames + t]}, which it overwrites
     * with logs and normalised values on the way.
     */
    private float[][] modelInput(float[] mel, int rows, int frames, Scratch s) {
        int clip = spec.clipFrames();
        // source frame of output frame 0: positive crops, negative pads
        int shift = switch (spec.fit()) {
            case CENTER -> (frames - clip) >= 0 ? (frames - clip) / 2 : -((clip - frames) / 2);
            case START -> 0;
        };
        // output frames [from, to) have a source frame; the rest is padding
        int from = Math.max(0, -shift);
        int to = Math.max(from, Math.min(clip, frames - shift));
        int width = to - from;
        float floor = spec.logFloor();
        s.log.resetMoments();
        if (width == frames) { // the whole matrix is kept (the clip is not longer than clipFrames): one run
            s.log.ln(mel, 0, mel, 0, rows * frames, floor);
        } else {
            for (int m = 0; m < rows; m++) {
                int at = m * frames + from + shift;
                s.log.ln(mel, at, mel, at, width, floor);
            }
        }
        float pad = logFloorValue;
        Normalisation how = spec.normalisation();
        if (how == Normalisation.UTTERANCE_MEAN_STD) {
            int padded = clip - width;
            long count = (long) rows * clip;
            double sum = s.log.sum() + (double) pad * padded * rows;
            double sumSq = s.log.sumOfSquares() + (double) pad * pad * padded * rows;
            double mean = sum / count;
            float std = (float) Math.max(Math.sqrt(Math.max(0, sumSq / count - mean * mean)), STD_FLOOR);
            float m = (float) mean;
            float inv = 1f / std;
            // all of the flat matrix, cropped cells too: one loop from index 0, which C2 vectorises
            for (int i = 0, n = rows * frames; i < n; i++) {
                mel[i] = (mel[i] - m) * inv;
            }
            pad = (pad - m) * inv;
        }
        float[][] out = matrix(rows, clip);
        for (int m = 0; m < rows; m++) {
            float[] dst = out[m];
            Arrays.fill(dst, 0, from, pad);
            Arrays.fill(dst, to, clip, pad);
            System.arraycopy(mel, m * frames + from + shift, dst, from, width);
        }
        if (how == Normalisation.BAND_MEAN_STD) {
            normaliseBands(out);
        }
        return out;
    }

    /** Each band to mean 0 and standard deviation 1 over its frames (at least {@link #STD_FLOOR}). */
    static void normaliseBands(float[][] x) {
        for (float[] row : x) {
            double sum = 0;
            double sumSq = 0;
            for (float v : row) {
                sum += v;
                sumSq += (double) v * v;
            }
            double mean = sum / row.length;
            float std = (float) Math.max(Math.sqrt(Math.max(0, sumSq / row.length - mean * mean)), STD_FLOOR);
            scale(row, (float) mean, std);
        }
    }

    private static void scale(float[] row, float mean, float std) {
        float inv = 1f / std;
        for (int i = 0; i < row.length; i++) {
            row[i] = (row[i] - mean) * inv;
        }
    }
}
