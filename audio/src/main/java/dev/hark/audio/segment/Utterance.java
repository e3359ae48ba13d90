package dev.hark.audio.segment;

/**
 * A stretch of one device's audio that the segmenter judged to be one utterance.
 *
 * @param startSample index of the first sample in the device session's stream
 * @param pcm         mono int16 samples at the device rate
 * @param ending      why it ended
 */
public record Utterance(long startSample, short[] pcm, int sampleRate, Ending ending) {

    /** Why an utterance was closed. */
    public enum Ending {
        /** the speaker stopped: quiet for the hangover time */
        SILENCE,
        /** longer than the maximum: cut, and speech continues in the next clip */
        MAX_LENGTH,
        /** the device went quiet on the wall clock, ended its session or lost audio */
        FLUSH
    }

    /** One past the last sample. */
    public long endSample() {
        return startSample + pcm.length;
    }
}
