package dev.hark.audio.dsp.augment;

/**
 * Tempo change without pitch change: WSOLA (waveform-similarity overlap-add, Verhelst and Roelands
 * 1993) over a whole clip.
 *
 * <p>Output frames of {@value #WINDOW_SEC} s (periodic Hann, hop half a window, so the windows sum to
 * exactly one) are cut from the input near the nominal position {@code t·in/out}; each one is moved by
 * up to a quarter window to where it best continues the previous frame (normalised cross-correlation
 * with the input that followed the previous frame), so pitch periods line up and the pitch is kept.
 * 30 ms holds at least two periods of an 80 Hz voice, and the ±7.5 ms search covers one.
 *
 * <p>Why not TarsosDSP's {@code WaveformSimilarityBasedOverlapAdd}: it is a streaming processor built
 * for an {@code AudioDispatcher}; it prints to stdout on every construction (2,700 clips an epoch), fades
 * in from zero over its first overlap, never flushes its last one, and its output length only
 * approximates the requested ratio. Here the whole clip is known, so the first frame is anchored at
 * time 0 (frames start half a window before it), the input is zero-padded at both ends, and the output
 * has exactly the requested length with the word where the ratio puts it: frames are anchored to their
 * nominal positions (no drift), each within 7.5 ms of it, and since a frame's content is moved rather
 * than stretched an edge inside it can land up to about 20 ms from its nominal time.
 */
public final class TimeStretch {

    /** Frame length in seconds. */
    public static final double WINDOW_SEC = 0.030;

    private TimeStretch() {
    }

    /** {@code x} played {@code factor} times as fast (1.2: 20 % quicker, 1/1.2 of the length), same pitch. */
    public static float[] tempo(float[] x, int rate, double factor) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("tempo factor must be positive, got " + factor);
        }
        return toLength(x, rate, (int) Math.round(x.length / factor));
    }

    /** {@code x} stretched or squeezed in time to {@code outLength} samples, same pitch. */
    public static float[] toLength(float[] x, int rate, int outLength) {
        if (outLength < 0) {
            throw new IllegalArgumentException("negative length " + outLength);
        }
        if (outLength == x.length) {
            return x.clone();
        }
        float[] y = new float[outLength];
        if (x.length == 0 || outLength == 0) {
            return y;
        }
        int n = Math.max(8, 2 * (int) Math.round(WINDOW_SEC * rate / 2)); // even, so the hop is exact
        int hop = n / 2;
        int tol = hop / 2;
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / n)); // periodic: w[i] + w[i + hop] = 1
        }
        double step = x.length / (double) outLength; // input samples per output sample
        // enough zeros that every frame, its search range and its continuation read inside the array:
        // the first frame starts hop·step before 0, the last one ends up to n·step + tol + hop past the end
        int pad = (int) Math.ceil((n + hop) * Math.max(1, step)) + tol + n;
        float[] xp = new float[x.length + 2 * pad];
        System.arraycopy(x, 0, xp, pad, x.length);

        int prev = -1; // padded start of the previous frame
        for (int s = -hop; s < outLength; s += hop) {
            int nominal = pad + (int) Math.round(s * step);
            int start = nominal;
            if (prev >= 0) {
                start = nominal + bestOffset(xp, prev + hop, nominal, n, tol);
            }
            for (int i = Math.max(0, -s); i < n && s + i < outLength; i++) {
                y[s + i] += w[i] * xp[start + i];
            }
            prev = start;
        }
        return y;
    }

    /**
     * The shift d in [-tol, tol] for which {@code xp[nominal + d ..]} looks most like the reference
     * {@code xp[ref ..]} (the natural continuation of the previous frame), over one frame, by normalised
     * cross-correlation. Coarse to fine, as SoundTouch's quick seek does: every other shift on every other
     * sample first (a quarter of the work; at 8 kHz a 2-sample step is 250 µs, far below any pitch period),
     * then the neighbours of the winner on every sample. Ties and silence go to the shift scanned first (0).
     */
    private static int bestOffset(float[] xp, int ref, int nominal, int n, int tol) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int d = 0; d <= tol; d = d <= 0 ? 2 - d : -d) { // 0, 2, -2, 4, -4, ...
            double score = score(xp, ref, nominal + d, n, 2);
            if (score > bestScore) {
                bestScore = score;
                best = d;
            }
            if (d < 0 && -d + 2 > tol) {
                break;
            }
        }
        int coarse = best;
        bestScore = score(xp, ref, nominal + coarse, n, 1);
        for (int d = coarse - 1; d <= coarse + 1; d += 2) {
            if (Math.abs(d) <= tol) {
                double score = score(xp, ref, nominal + d, n, 1);
                if (score > bestScore) {
                    bestScore = score;
                    best = d;
                }
            }
        }
        return best;
    }

    private static double score(float[] xp, int ref, int c, int n, int stride) {
        float corr = 0;
        float energy = 0;
        for (int i = 0; i < n; i += stride) {
            float v = xp[c + i];
            corr += xp[ref + i] * v;
            energy += v * v;
        }
        return corr / Math.sqrt(energy + 1e-12);
    }
}
