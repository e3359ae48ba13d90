package dev.hark.audio.dataset;

import java.util.Random;

/** Synthetic clips at 8 kHz: tone bursts with a word-like envelope over low room noise. */
final class Clips {
    static final int RATE = 8000;

    private final Random random;
    private float[] x = new float[0];

    Clips(long seed) {
        random = new Random(seed);
    }

    /** Room noise around -70 dBFS. */
    Clips room(int ms) {
        return add(ms, (i, n) -> random.nextGaussian() * 0.0003);
    }

    Clips zeros(int ms) {
        return add(ms, (i, n) -> 0);
    }

    /** A "word": a 300 Hz tone under a half-sine envelope, peak {@code amplitude}. */
    Clips burst(int ms, double amplitude, double hz) {
        return add(ms, (i, n) -> amplitude * Math.sin(2 * Math.PI * hz * i / RATE) * Math.sin(Math.PI * i / n)
                + random.nextGaussian() * 0.0003);
    }

    /** A sine driven far past full scale, as an overloaded microphone records it. */
    Clips clippedSine(int ms) {
        return add(ms, (i, n) -> Math.max(-1, Math.min(1, 3 * Math.sin(2 * Math.PI * 300 * i / RATE))));
    }

    float[] samples() {
        return x.clone();
    }

    private Clips add(int ms, Sample f) {
        int n = RATE * ms / 1000;
        float[] out = java.util.Arrays.copyOf(x, x.length + n);
        for (int i = 0; i < n; i++) {
            out[x.length + i] = (float) f.at(i, n);
        }
        x = out;
        return this;
    }

    private interface Sample {
        double at(int i, int n);
    }
}
