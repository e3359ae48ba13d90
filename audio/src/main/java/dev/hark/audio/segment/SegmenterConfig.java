package dev.hark.audio.segment;

/**
 * Voice-activity segmentation settings. Energy is measured per 10 ms frame in dB relative to full
 * scale; a frame is speech when it stands far enough above an adaptive noise floor.
 *
 * @param frameMs          analysis frame
 * @param onsetDb          a frame this far above the noise floor may start an utterance
 * @param sustainDb        while speaking, frames this far above the floor keep it going (hysteresis)
 * @param releaseDb        ... and only while within this many dB of the utterance's loudest frame, so
 *                         a noisier room between words than inside the recording still ends it
 * @param minSpeechDbfs    an onset must also be this loud in absolute terms (ignores faint hiss)
 * @param onsetFrames      consecutive loud frames needed to start (rejects clicks)
 * @param hangoverMs       quiet time that ends an utterance (must be shorter than pauses between words)
 * @param preRollMs        audio kept before the first loud frame (soft onsets: f, s, th)
 * @param postRollMs       audio kept after the last loud frame (soft endings); at most hangoverMs
 * @param minUtteranceMs   shorter bursts are noise, not words
 * @param maxUtteranceMs   longer speech is cut here and continues in a new clip
 * @param floorWindowMs    the noise floor is a low percentile of the frame levels over this window:
 *                         a single quiet dip does not drag it down, and a room that gets louder
 *                         raises it within the window
 * @param floorPercentile  which percentile (0–100)
 */
public record SegmenterConfig(int frameMs, double onsetDb, double sustainDb, double releaseDb, double minSpeechDbfs, int onsetFrames,
                              int hangoverMs, int preRollMs, int postRollMs, int minUtteranceMs, int maxUtteranceMs,
                              int floorWindowMs, double floorPercentile) {

    public SegmenterConfig {
        if (postRollMs > hangoverMs) {
            throw new IllegalArgumentException("postRollMs (" + postRollMs + ") must not exceed hangoverMs (" + hangoverMs + ")");
        }
        if (sustainDb > onsetDb) {
            throw new IllegalArgumentException("sustainDb must not exceed onsetDb");
        }
        if (minUtteranceMs >= maxUtteranceMs) {
            throw new IllegalArgumentException("minUtteranceMs must be below maxUtteranceMs");
        }
    }

    /** Tuned on FSDD digits separated by 300–800 ms of low noise (docs/design.md, segmentation). */
    public static SegmenterConfig defaults() {
        return new SegmenterConfig(10, 12.0, 6.0, 60.0, -60.0, 3, 280, 120, 150, 100, 3000, 1500, 30.0);
    }

    int frameSamples(int sampleRate) {
        return Math.max(1, sampleRate * frameMs / 1000);
    }

    int samples(int ms, int sampleRate) {
        return (int) ((long) ms * sampleRate / 1000);
    }
}
