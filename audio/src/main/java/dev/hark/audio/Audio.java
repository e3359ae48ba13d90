package dev.hark.audio;

import java.util.Objects;

/**
 * Mono audio as floats in [-1, 1] at {@code sampleRate}. {@code sourceChannels} and
 * {@code sourceFormat} describe the file it came from (it was mixed down and converted).
 *
 * <p>The array is shared, not copied: audio is large and passes through a pipeline that never
 * mutates it. Do not modify {@code samples()} after handing it over. {@code equals} compares the
 * array by identity, as records do.
 */
public record Audio(float[] samples, int sampleRate, int sourceChannels, SampleFormat sourceFormat) {

    public Audio {
        Objects.requireNonNull(samples, "samples");
        Objects.requireNonNull(sourceFormat, "sourceFormat");
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        }
        if (sourceChannels <= 0) {
            throw new IllegalArgumentException("channel count must be positive, got " + sourceChannels);
        }
    }

    /** Mono audio that did not come from a file, e.g. PCM from a Kafka record. */
    public static Audio mono(float[] samples, int sampleRate) {
        return new Audio(samples, sampleRate, 1, SampleFormat.PCM_S16);
    }

    public int length() {
        return samples.length;
    }

    public double durationSeconds() {
        return samples.length / (double) sampleRate;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "Audio[%d samples, %d Hz, %.3f s, from %d ch %s]",
                samples.length, sampleRate, durationSeconds(), sourceChannels, sourceFormat);
    }
}
