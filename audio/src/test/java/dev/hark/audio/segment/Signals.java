package dev.hark.audio.segment;

import java.util.Random;

/** Synthetic device audio: "words" are 300 Hz tones with a syllable envelope, silence is low noise. */
public final class Signals {
    public static final int RATE = 8000;

    private final Random random = new Random(7);
    private short[] pcm = new short[0];

    public Signals noise(int ms) {
        return add(ms, i -> random.nextGaussian() * 0.0003);
    }

    public Signals word(int ms) {
        int n = RATE * ms / 1000;
        return add(ms, i -> 0.2 * Math.sin(2 * Math.PI * 300 * i / RATE) * Math.sin(Math.PI * i / n)
                + random.nextGaussian() * 0.0003);
    }

    /** Continuous speech-like sound: syllables at 5 per second, 20 dB between loud and soft. */
    public Signals speech(int ms) {
        return add(ms, i -> 0.2 * Math.sin(2 * Math.PI * 300 * i / RATE)
                * (0.1 + 0.9 * Math.abs(Math.sin(Math.PI * 5 * i / RATE))) + random.nextGaussian() * 0.0003);
    }

    public Signals zeros(int ms) {
        return add(ms, i -> 0);
    }

    private Signals add(int ms, java.util.function.IntToDoubleFunction f) {
        int n = RATE * ms / 1000;
        short[] out = java.util.Arrays.copyOf(pcm, pcm.length + n);
        for (int i = 0; i < n; i++) {
            out[pcm.length + i] = (short) Math.round(Math.max(-1, Math.min(1, f.applyAsDouble(i))) * 32767);
        }
        pcm = out;
        return this;
    }

    public int length() {
        return pcm.length;
    }

    public short[] pcm() {
        return pcm;
    }

    public static int samples(int ms) {
        return RATE * ms / 1000;
    }
}
