package dev.hark.audio.segment;

import java.util.Arrays;

/**
 * Where a {@link UtteranceSegmenter} keeps the samples of its open utterance. The segmenter only appends
 * to it while the utterance is open and reads it back once, when the utterance closes, so the samples can
 * live outside the segmenter (the stream keeps them as appended pieces in a state store, and a chunk costs
 * what the chunk holds, not what the utterance holds).
 */
public interface OpenAudio {

    /** Samples held. */
    int length();

    void append(short[] pcm, int offset, int length);

    /** All {@link #length()} samples, in order (a new array). */
    short[] samples();

    /** The utterance closed: forget its samples. */
    void clear();

    /** Samples in a growable array: the segmenter on its own, and tests. */
    static OpenAudio inMemory() {
        return new InMemory();
    }

    /** {@link #inMemory()}. */
    final class InMemory implements OpenAudio {
        private short[] samples = new short[0];
        private int length;

        @Override
        public int length() {
            return length;
        }

        @Override
        public void append(short[] pcm, int offset, int n) {
            if (length + n > samples.length) {
                samples = Arrays.copyOf(samples, Math.max(length + n, samples.length * 2 + 256));
            }
            System.arraycopy(pcm, offset, samples, length, n);
            length += n;
        }

        @Override
        public short[] samples() {
            return Arrays.copyOf(samples, length);
        }

        @Override
        public void clear() {
            length = 0;
            if (samples.length > 1 << 16) {
                samples = new short[0];
            }
        }
    }
}
