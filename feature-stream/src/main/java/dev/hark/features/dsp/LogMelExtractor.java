package dev.hark.features.dsp;

import be.tarsos.dsp.util.fft.FFT;
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

    /** Per-thread state: TarsosDSP's FFT keeps work arrays, and reusing buffers keeps the hot path allocation-free. */
    private static final class Scratch {
        final FFT fft;
        final float[] frame;
        final float[] power;
        final float[] melFrame;

        Scratch(FeatureSpec spec) {
            fft = new FFT(spec.nFft());
            frame = new float[spec.nFft()];
            power = new float[spec.nFreqs()];
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
        int hop = spec.hopLength();
        int half = nFft / 2;
        int win = window.length;
        int from = windowOffset;
        int to = windowOffset + win;
        boolean center = spec.center();
        boolean reflect = spec.padMode() == PadMode.REFLECT;
        float power = spec.power();
        int n = signal.length;
        float[] frame = s.frame;
        float[] pw = s.power;
        float[] mf = s.melFrame;
        int bins = spec.nFreqs();

        for (int t = 0; t < frames; t++) {
            int origin = t * hop - (center ? half : 0); // signal index of frame[0]
            Arrays.fill(frame, 0, from, 0f);
            Arrays.fill(frame, to, nFft, 0f);
            int first = origin + from;
            if (first >= 0 && first + win <= n) {
                for (int j = 0; j < win; j++) {
                    frame[from + j] = signal[first + j] * window[j];
                }
            } else {
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
                    frame[from + j] = v * window[j];
                }
            }
            s.fft.forwardTransform(frame);
            // realForward's packing: [Re0, Re(n/2), Re1, Im1, Re2, Im2, ...]
            pw[0] = frame[0] * frame[0];
            pw[bins - 1] = frame[1] * frame[1];
            for (int k = 1; k < bins - 1; k++) {
                float re = frame[2 * k];
                float im = frame[2 * k + 1];
                pw[k] = re * re + im * im;
            }
            if (power != 2f) {
                double e = power / 2.0;
                for (int k = 0; k < bins; k++) {
                    pw[k] = (float) Math.pow(pw[k], e);
                }
            }
            filterbank.apply(pw, mf);
            for (int m = 0; m < mf.length; m++) {
                mel[m][t] = mf[m];
            }
        }
        return mel;
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
