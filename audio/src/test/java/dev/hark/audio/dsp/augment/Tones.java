package dev.hark.audio.dsp.augment;

/** Synthetic test signals and the measurements the augmentation tests make on them. */
final class Tones {

    static final int RATE = 8000;

    private Tones() {
    }

    /** A tone of {@code hz} at amplitude {@code amp} from {@code onSec} to {@code offSec} (5 ms ramps), silence elsewhere. */
    static float[] burst(double hz, double amp, double totalSec, double onSec, double offSec) {
        float[] x = new float[(int) Math.round(totalSec * RATE)];
        int on = (int) Math.round(onSec * RATE);
        int off = (int) Math.round(offSec * RATE);
        int ramp = RATE / 200;
        for (int i = on; i < off && i < x.length; i++) {
            double env = Math.min(1, Math.min((i - on) / (double) ramp, (off - i) / (double) ramp));
            x[i] = (float) (amp * env * Math.sin(2 * Math.PI * hz * (i - on) / RATE));
        }
        return x;
    }

    /** A voice-like buzz: harmonics of {@code f0} with 1/k amplitudes up to 3.5 kHz, peak about {@code amp}. */
    static float[] buzz(double f0, double amp, double seconds) {
        float[] x = new float[(int) Math.round(seconds * RATE)];
        int harmonics = (int) (3500 / f0);
        for (int i = 0; i < x.length; i++) {
            double v = 0;
            for (int k = 1; k <= harmonics; k++) {
                v += Math.sin(2 * Math.PI * k * f0 * i / RATE) / k;
            }
            x[i] = (float) (amp * v / 2);
        }
        return x;
    }

    static float[] sum(float[]... xs) {
        float[] y = new float[xs[0].length];
        for (float[] x : xs) {
            for (int i = 0; i < y.length; i++) {
                y[i] += x[i];
            }
        }
        return y;
    }

    /**
     * Fundamental frequency of {@code x[from, to)} by autocorrelation: the highest normalised peak
     * between 60 and 1000 Hz, refined by a parabola through its neighbours.
     */
    static double f0(float[] x, int from, int to) {
        int minLag = RATE / 1000;
        int maxLag = RATE / 60;
        int n = to - from - maxLag;
        double[] r = new double[maxLag + 2];
        for (int lag = minLag - 1; lag <= maxLag + 1; lag++) {
            double c = 0, e0 = 0, e1 = 0;
            for (int i = from; i < from + n; i++) {
                c += (double) x[i] * x[i + lag];
                e0 += (double) x[i] * x[i];
                e1 += (double) x[i + lag] * x[i + lag];
            }
            r[lag] = c / Math.sqrt(e0 * e1 + 1e-20);
        }
        int best = minLag;
        for (int lag = minLag; lag <= maxLag; lag++) {
            if (r[lag] > r[best]) {
                best = lag;
            }
        }
        // the first peak within 1 % of the global best: the period, not a multiple of it
        double top = r[best];
        for (int lag = minLag; lag <= maxLag; lag++) {
            if (r[lag] >= 0.99 * top && r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1]) {
                best = lag;
                break;
            }
        }
        double a = r[best - 1], b = r[best], c = r[best + 1];
        double denom = a - 2 * b + c;
        double shift = denom == 0 ? 0 : 0.5 * (a - c) / denom;
        return RATE / (best + shift);
    }

    /** Amplitude of the {@code hz} component of {@code x[from, to)} (Goertzel, Hann-windowed, amplitude-corrected). */
    static double amplitude(float[] x, int from, int to, double hz) {
        double re = 0, im = 0, wsum = 0;
        for (int i = from; i < to; i++) {
            double w = 0.5 - 0.5 * Math.cos(2 * Math.PI * (i - from) / (to - from));
            double ph = 2 * Math.PI * hz * i / RATE;
            re += w * x[i] * Math.cos(ph);
            im += w * x[i] * Math.sin(ph);
            wsum += w;
        }
        return 2 * Math.hypot(re, im) / wsum;
    }

    static double energy(float[] x, int from, int to) {
        double e = 0;
        for (int i = Math.max(0, from); i < Math.min(x.length, to); i++) {
            e += (double) x[i] * x[i];
        }
        return e;
    }

    static double rms(float[] x, int from, int to) {
        return Math.sqrt(energy(x, from, to) / (to - from));
    }

    static double peak(float[] x) {
        double p = 0;
        for (float v : x) {
            p = Math.max(p, Math.abs(v));
        }
        return p;
    }

    /**
     * Where the signal is on: first and last sample whose 10 ms RMS envelope exceeds {@code fraction} of
     * its maximum.
     */
    static int[] onOff(float[] x, double fraction) {
        int win = RATE / 100;
        double[] env = new double[x.length];
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            env[i] = rms(x, Math.max(0, i - win / 2), Math.min(x.length, i + win / 2));
            max = Math.max(max, env[i]);
        }
        int on = -1, off = -1;
        for (int i = 0; i < x.length; i++) {
            if (env[i] > fraction * max) {
                if (on < 0) {
                    on = i;
                }
                off = i;
            }
        }
        return new int[] {on, off};
    }
}
