package dev.hark.features.dsp;

import be.tarsos.dsp.util.fft.FloatFFT;
import dev.hark.features.audio.Audio;
import dev.hark.features.audio.Resampler;
import dev.hark.features.dsp.FeatureSpec.Normalisation;
import dev.hark.features.dsp.FeatureSpec.PadMode;

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
    /** The torch window of winLength samples; it sits at [windowOffset, windowOffset + winLength) of the frame. */
    private final float[] window;
    private final int windowOffset;
    private final float logFloorValue;
    private final ThreadLocal<Scratch> scratch;

    /**
     * Per-thread state: TarsosDSP's FFT keeps work arrays, and reusing buffers keeps the hot path
     * allocation-free. {@code packed} holds two real frames as one complex signal (see {@link #mel}).
     */
    private static final class Scratch {
        final FloatFFT fft;
        final float[] packed;
        final float[] powerA;
        final float[] powerB;
        final float[] melFrame;

        Scratch(FeatureSpec spec) {
            fft = new FloatFFT(spec.nFft());
            packed = new float[2 * spec.nFft()];
            powerA = new float[spec.nFreqs()];
            powerB = new float[spec.nFreqs()];
            melFrame = new float[spec.nMels()];
        }
    }

    public LogMelExtractor(FeatureSpec spec) {
        this.spec = spec;
        this.filterbank = MelFilterbank.of(spec);
        this.window = hannPeriodic(spec.winLength());
        this.windowOffset = (spec.nFft() - spec.winLength()) / 2; // torch.stft centres a short window
        this.logFloorValue = FastLog.ln(spec.logFloor()); // same function as for floored cells: identical values
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
        return toModelInput(mel(signal));
    }

    /**
     * Mel power [nMels][frames] of a signal at the spec's sample rate, before log and fitting: what
     * torchaudio's MelSpectrogram returns. {@code frames = 1 + len / hop} when centred.
     *
     * @throws IllegalArgumentException when the signal is too short for a single frame
     */
    public float[][] mel(float[] signal) {
        int frames = spec.framesFor(signal.length);
        if (frames < 1 || signal.length == 0) {
            throw new IllegalArgumentException("a signal of " + signal.length + " samples is too short for one frame of "
                    + spec.nFft() + (spec.center() ? " (centred)" : ""));
        }
        float[][] mel = new float[spec.nMels()][frames];
        Scratch s = scratch.get();
        int nFft = spec.nFft();
        float[] z = s.packed;
        // Two real frames per complex FFT: frame t in the real part, frame t+1 in the imaginary part.
        // Their spectra separate exactly by conjugate symmetry, which halves the number of FFTs;
        // TarsosDSP's FFT is most of the cost of a clip. Neighbouring frames overlap, so their
        // energies are alike and the rounding cross-talk stays ~140 dB below either.
        for (int t = 0; t < frames; t += 2) {
            boolean pair = t + 1 < frames;
            loadFrame(signal, t, z, 0);
            if (pair) {
                loadFrame(signal, t + 1, z, 1);
            } else {
                for (int j = 1; j < 2 * nFft; j += 2) {
                    z[j] = 0f;
                }
            }
            s.fft.complexForward(z);
            unpackPower(z, nFft, s.powerA, s.powerB);
            melColumn(s.powerA, s.melFrame, mel, t);
            if (pair) {
                melColumn(s.powerB, s.melFrame, mel, t + 1);
            }
        }
        return mel;
    }

    /** Windowed frame t of the signal into the real (part 0) or imaginary (part 1) slots of z. */
    private void loadFrame(float[] signal, int t, float[] z, int part) {
        int nFft = spec.nFft();
        int win = window.length;
        int from = windowOffset;
        int to = windowOffset + win;
        int n = signal.length;
        for (int j = 0; j < from; j++) {
            z[2 * j + part] = 0f;
        }
        for (int j = to; j < nFft; j++) {
            z[2 * j + part] = 0f;
        }
        int origin = t * spec.hopLength() - (spec.center() ? nFft / 2 : 0); // signal index of frame[0]
        int first = origin + from;
        if (first >= 0 && first + win <= n) {
            for (int j = 0; j < win; j++) {
                z[2 * (from + j) + part] = signal[first + j] * window[j];
            }
        } else {
            boolean reflect = spec.padMode() == PadMode.REFLECT;
            for (int j = 0; j < win; j++) {
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
    }

    /**
     * Power spectra of the two real frames packed in z = a + ib, from Z = FFT(z):
     * A[k] = (Z[k] + conj Z[N-k]) / 2 and B[k] = (Z[k] - conj Z[N-k]) / 2i.
     */
    static void unpackPower(float[] z, int nFft, float[] powerA, float[] powerB) {
        int bins = nFft / 2 + 1;
        for (int k = 0; k < bins; k++) {
            int nk = k == 0 ? 0 : nFft - k;
            float zr = z[2 * k];
            float zi = z[2 * k + 1];
            float cr = z[2 * nk];
            float ci = z[2 * nk + 1];
            float ar = zr + cr;
            float ai = zi - ci;
            float br = zi + ci;
            float bi = zr - cr;
            powerA[k] = 0.25f * (ar * ar + ai * ai);
            powerB[k] = 0.25f * (br * br + bi * bi);
        }
    }

    private void melColumn(float[] pw, float[] mf, float[][] mel, int t) {
        float power = spec.power();
        if (power != 2f) {
            double e = power / 2.0;
            for (int k = 0; k < pw.length; k++) {
                pw[k] = (float) Math.pow(pw[k], e);
            }
        }
        filterbank.apply(pw, mf);
        for (int m = 0; m < mf.length; m++) {
            mel[m][t] = mf[m];
        }
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
     * ln(max(mel, floor)), then fit, then normalisation. Does not modify its argument.
     */
    public float[][] toModelInput(float[][] mel) {
        int nMels = mel.length;
        int frames = mel[0].length;
        int clip = spec.clipFrames();
        // source frame of output frame 0: positive crops, negative pads
        int shift = switch (spec.fit()) {
            case CENTER -> (frames - clip) >= 0 ? (frames - clip) / 2 : -((clip - frames) / 2);
            case START -> 0;
        };
        float floor = spec.logFloor();
        float[][] out = new float[nMels][clip];
        for (int m = 0; m < nMels; m++) {
            float[] src = mel[m];
            float[] dst = out[m];
            for (int t = 0; t < clip; t++) {
                int i = t + shift;
                dst[t] = i >= 0 && i < frames ? FastLog.ln(Math.max(src[i], floor)) : logFloorValue;
            }
        }
        normalise(out, spec.normalisation());
        return out;
    }

    static void normalise(float[][] x, Normalisation how) {
        switch (how) {
            case NONE -> {
            }
            case UTTERANCE_MEAN_STD -> {
                double sum = 0;
                double sumSq = 0;
                long count = 0;
                for (float[] row : x) {
                    for (float v : row) {
                        sum += v;
                        sumSq += (double) v * v;
                    }
                    count += row.length;
                }
                double mean = sum / count;
                float std = (float) Math.max(Math.sqrt(Math.max(0, sumSq / count - mean * mean)), STD_FLOOR);
                for (float[] row : x) {
                    scale(row, (float) mean, std);
                }
            }
            case BAND_MEAN_STD -> {
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
        }
    }

    private static void scale(float[] row, float mean, float std) {
        float inv = 1f / std;
        for (int i = 0; i < row.length; i++) {
            row[i] = (row[i] - mean) * inv;
        }
    }
}
