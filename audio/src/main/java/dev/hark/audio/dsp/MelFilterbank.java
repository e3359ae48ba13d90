package dev.hark.audio.dsp;

import dev.hark.audio.dsp.FeatureSpec.MelNorm;
import dev.hark.audio.dsp.FeatureSpec.MelScale;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Triangular mel filters, computed exactly as {@code torchaudio.functional.melscale_fbanks} does
 * (torchaudio 0.13–2.x): bin frequencies {@code linspace(0, sample_rate // 2, n_freqs)} (note the
 * integer division), {@code n_mels + 2} points evenly spaced in mel between f_min and f_max, triangles
 * {@code max(0, min(down, up))} between neighbouring points, optional slaney area normalisation.
 * Computed in double, stored as float; torchaudio computes in float32, so the two agree to ~1e-7.
 *
 * <p>Stored sparsely: each band keeps only its run of non-zero bins, typically 2–10 of 129, which
 * makes applying it cheaper than the FFT. Immutable and thread-safe.
 */
public final class MelFilterbank {

    private final int nFreqs;
    private final int nMels;
    private final int[] start;
    private final int[] length;
    /** Weights of band b at offsets[b] .. offsets[b] + length[b]. */
    private final int[] offsets;
    private final float[] weights;
    private final double[] centreHz;

    private MelFilterbank(int nFreqs, double[][] dense, double[] centreHz) {
        this.nFreqs = nFreqs;
        this.nMels = centreHz.length;
        this.centreHz = centreHz;
        start = new int[nMels];
        length = new int[nMels];
        offsets = new int[nMels];
        List<Float> w = new ArrayList<>();
        for (int m = 0; m < nMels; m++) {
            int first = -1;
            int last = -1;
            for (int f = 0; f < nFreqs; f++) {
                if (dense[f][m] != 0) {
                    if (first < 0) {
                        first = f;
                    }
                    last = f;
                }
            }
            offsets[m] = w.size();
            if (first >= 0) {
                start[m] = first;
                length[m] = last - first + 1;
                for (int f = first; f <= last; f++) {
                    w.add((float) dense[f][m]);
                }
            }
        }
        weights = new float[w.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = w.get(i);
        }
    }

    /** The filterbank a spec calls for. */
    public static MelFilterbank of(FeatureSpec spec) {
        return create(spec.nFreqs(), spec.fMin(), spec.fMax(), spec.nMels(), spec.sampleRate(), spec.melNorm(), spec.melScale());
    }

    /** Same arguments, in the same order, as {@code torchaudio.functional.melscale_fbanks}. */
    public static MelFilterbank create(int nFreqs, double fMin, double fMax, int nMels, int sampleRate,
                                       MelNorm norm, MelScale scale) {
        if (nFreqs < 2 || nMels < 1) {
            throw new IllegalArgumentException("need nFreqs >= 2 and nMels >= 1, got " + nFreqs + ", " + nMels);
        }
        double nyquist = sampleRate / 2; // integer division, as torchaudio's sample_rate // 2
        double[] allFreqs = new double[nFreqs];
        for (int i = 0; i < nFreqs; i++) {
            allFreqs[i] = nyquist * i / (nFreqs - 1);
        }
        double mMin = hzToMel(fMin, scale);
        double mMax = hzToMel(fMax, scale);
        double[] fPts = new double[nMels + 2];
        for (int i = 0; i < fPts.length; i++) {
            fPts[i] = melToHz(mMin + (mMax - mMin) * i / (nMels + 1), scale);
        }
        double[][] fb = new double[nFreqs][nMels];
        for (int m = 0; m < nMels; m++) {
            double lowDiff = fPts[m + 1] - fPts[m];
            double highDiff = fPts[m + 2] - fPts[m + 1];
            double enorm = norm == MelNorm.SLANEY ? 2.0 / (fPts[m + 2] - fPts[m]) : 1.0;
            for (int f = 0; f < nFreqs; f++) {
                double down = (allFreqs[f] - fPts[m]) / lowDiff;
                double up = (fPts[m + 2] - allFreqs[f]) / highDiff;
                fb[f][m] = Math.max(0, Math.min(down, up)) * enorm;
            }
        }
        double[] centres = new double[nMels];
        System.arraycopy(fPts, 1, centres, 0, nMels);
        return new MelFilterbank(nFreqs, fb, centres);
    }

    /** torchaudio's {@code _hz_to_mel}. */
    public static double hzToMel(double hz, MelScale scale) {
        if (scale == MelScale.HTK) {
            return 2595.0 * Math.log10(1.0 + hz / 700.0);
        }
        double fSp = 200.0 / 3;
        double minLogHz = 1000.0;
        if (hz < minLogHz) {
            return hz / fSp;
        }
        double minLogMel = minLogHz / fSp;
        double logStep = Math.log(6.4) / 27.0;
        return minLogMel + Math.log(hz / minLogHz) / logStep;
    }

    /** torchaudio's {@code _mel_to_hz}. */
    public static double melToHz(double mel, MelScale scale) {
        if (scale == MelScale.HTK) {
            return 700.0 * (Math.pow(10.0, mel / 2595.0) - 1.0);
        }
        double fSp = 200.0 / 3;
        double minLogHz = 1000.0;
        double minLogMel = minLogHz / fSp;
        double logStep = Math.log(6.4) / 27.0;
        if (mel < minLogMel) {
            return fSp * mel;
        }
        return minLogHz * Math.exp(logStep * (mel - minLogMel));
    }

    /** mel[m] = Σ_f power[f] · fb[f][m], reading {@code power[0 .. nFreqs)}. */
    public void apply(float[] power, float[] mel) {
        for (int m = 0; m < nMels; m++) {
            int s = start[m];
            int o = offsets[m];
            int n = length[m];
            float acc = 0;
            for (int i = 0; i < n; i++) {
                acc += power[s + i] * weights[o + i];
            }
            mel[m] = acc;
        }
    }

    /**
     * {@link #apply} for {@code count} frames at once, bin-major: {@code power[f][u]} (bin f of frame u)
     * into {@code mel[m][u]}. Every band is a few multiply-adds of whole rows, loops that C2 vectorises
     * because all their arrays are read from index 0; each cell gets the same float operations in the
     * same order as {@link #apply} (the first product is stored, not added to zero: the same value,
     * products being non-negative), so the results are identical.
     */
    public void applyBins(float[][] power, int count, float[][] mel) {
        for (int m = 0; m < nMels; m++) {
            float[] row = mel[m];
            int n = length[m];
            if (n == 0) {
                Arrays.fill(row, 0, count, 0f);
                continue;
            }
            int o = offsets[m];
            int f = start[m];
            first(row, power[f], weights[o], count);
            for (int i = 1; i < n; i++) {
                add(row, power[f + i], weights[o + i], count);
            }
        }
    }

    private static void first(float[] row, float[] bin, float w, int count) {
        for (int u = 0; u < count; u++) {
            row[u] = bin[u] * w;
        }
    }

    private static void add(float[] row, float[] bin, float w, int count) {
        for (int u = 0; u < count; u++) {
            row[u] += bin[u] * w;
        }
    }

    public int nFreqs() {
        return nFreqs;
    }

    public int nMels() {
        return nMels;
    }

    /** First bin with a non-zero weight in {@code band}. */
    public int start(int band) {
        return start[band];
    }

    /** Bins from {@link #start} on that the band spans; 0 for a band no bin falls into. */
    public int length(int band) {
        return length[band];
    }

    /** Peak frequency of the band's triangle in Hz. */
    public double centreHz(int band) {
        return centreHz[band];
    }
}
