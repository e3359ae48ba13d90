package dev.hark.audio.bench;

import be.tarsos.dsp.util.fft.FFT;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dsp.MelFilterbank;

import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The benchmark's baseline: the same features computed the way a first port of a notebook would —
 * javax.sound decoding, TarsosDSP's resampler and FFT used out of the box (new objects per clip),
 * a padded copy of the signal, fresh arrays per frame, and a dense mel matrix. With {@code naiveDft}
 * the FFT is replaced by an O(n²) DFT (with precomputed twiddles, so trigonometry does not dominate).
 * Only the default-style spec (centred, reflect, power 2, even n_fft) is supported.
 */
public final class StraightforwardLogMel {

    private final FeatureSpec spec;
    private final float[][] melMatrix; // [nFreqs][nMels], as torchaudio keeps it
    private final boolean naiveDft;
    private final double[][] cos;
    private final double[][] sin;

    public StraightforwardLogMel(FeatureSpec spec, boolean naiveDft) {
        this.spec = spec;
        this.melMatrix = dev.hark.audio.dsp.Filterbanks.dense(MelFilterbank.of(spec));
        this.naiveDft = naiveDft;
        int n = spec.nFft();
        int bins = spec.nFreqs();
        cos = new double[bins][n];
        sin = new double[bins][n];
        for (int k = 0; k < bins; k++) {
            for (int i = 0; i < n; i++) {
                cos[k][i] = Math.cos(2 * Math.PI * k * i / n);
                sin[k][i] = Math.sin(2 * Math.PI * k * i / n);
            }
        }
    }

    public float[][] features(byte[] wav) throws IOException, UnsupportedAudioFileException {
        float[] x;
        int rate;
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(wav))) {
            rate = (int) in.getFormat().getSampleRate();
            byte[] pcm = in.readAllBytes();
            ByteBuffer b = ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN);
            x = new float[pcm.length / 2];
            for (int i = 0; i < x.length; i++) {
                x[i] = b.getShort() / 32768f;
            }
        }
        if (rate != spec.sampleRate()) {
            double factor = spec.sampleRate() / (double) rate;
            be.tarsos.dsp.resample.Resampler r = new be.tarsos.dsp.resample.Resampler(true, factor, factor);
            float[] y = new float[(int) Math.ceil(x.length * factor) + 16];
            int produced = r.process(factor, x, 0, x.length, true, y, 0, y.length).outputSamplesGenerated;
            x = java.util.Arrays.copyOf(y, produced);
        }
        return logMel(x);
    }

    public float[][] logMel(float[] x) {
        int nFft = spec.nFft();
        int half = nFft / 2;
        int hop = spec.hopLength();
        int win = spec.winLength();
        int bins = spec.nFreqs();
        int nMels = spec.nMels();
        float[] padded = new float[x.length + 2 * half];
        for (int i = 0; i < padded.length; i++) {
            int j = i - half;
            if (j < 0) {
                j = -j;
            } else if (j >= x.length) {
                j = 2 * (x.length - 1) - j;
            }
            padded[i] = x[j];
        }
        float[] window = new float[nFft];
        int offset = (nFft - win) / 2;
        for (int i = 0; i < win; i++) {
            window[offset + i] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / win));
        }
        int frames = 1 + (padded.length - nFft) / hop;
        float[][] mel = new float[nMels][frames];
        FFT fft = new FFT(nFft);
        for (int t = 0; t < frames; t++) {
            float[] frame = new float[nFft];
            for (int i = 0; i < nFft; i++) {
                frame[i] = padded[t * hop + i] * window[i];
            }
            float[] power = new float[bins];
            if (naiveDft) {
                for (int k = 0; k < bins; k++) {
                    double re = 0;
                    double im = 0;
                    for (int i = 0; i < nFft; i++) {
                        re += frame[i] * cos[k][i];
                        im -= frame[i] * sin[k][i];
                    }
                    power[k] = (float) (re * re + im * im);
                }
            } else {
                fft.forwardTransform(frame);
                power[0] = frame[0] * frame[0];
                power[bins - 1] = frame[1] * frame[1];
                for (int k = 1; k < bins - 1; k++) {
                    power[k] = frame[2 * k] * frame[2 * k] + frame[2 * k + 1] * frame[2 * k + 1];
                }
            }
            for (int m = 0; m < nMels; m++) {
                float acc = 0;
                for (int k = 0; k < bins; k++) {
                    acc += power[k] * melMatrix[k][m];
                }
                mel[m][t] = acc;
            }
        }
        int clip = spec.clipFrames();
        int shift = frames >= clip ? (frames - clip) / 2 : -((clip - frames) / 2);
        float[][] out = new float[nMels][clip];
        double sum = 0;
        for (int m = 0; m < nMels; m++) {
            for (int t = 0; t < clip; t++) {
                int s = t + shift;
                out[m][t] = (float) Math.log(s >= 0 && s < frames ? Math.max(mel[m][s], spec.logFloor()) : spec.logFloor());
                sum += out[m][t];
            }
        }
        double mean = sum / (nMels * clip);
        double var = 0;
        for (float[] row : out) {
            for (float v : row) {
                var += (v - mean) * (v - mean);
            }
        }
        double std = Math.max(Math.sqrt(var / (nMels * clip)), 1e-5);
        for (float[] row : out) {
            for (int t = 0; t < clip; t++) {
                row[t] = (float) ((row[t] - mean) / std);
            }
        }
        return out;
    }
}
