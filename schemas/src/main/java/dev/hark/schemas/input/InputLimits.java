package dev.hark.schemas.input;

/**
 * The bounds every record Hark reads must keep, in one place. They are chosen so that whatever an
 * accepted input makes (a device's state, its changelog record, a clip, a dead letter) always fits
 * Kafka's default message size of 1 MiB, with room to spare. {@code docs/limits.md} explains each.
 */
public final class InputLimits {
    private InputLimits() {
    }

    /** Kafka's default {@code message.max.bytes} / {@code max.request.size}: what every Hark topic accepts. */
    public static final int KAFKA_MESSAGE_BYTES = 1024 * 1024;

    /** deviceId, sessionId, speaker: characters at most (and at least one). */
    public static final int MAX_ID_CHARS = 128;

    /** clipId: the segmenter's ids are {@code device:session:startSample}, so up to 2 × 128 + 21. */
    public static final int MAX_CLIP_ID_CHARS = 300;

    /** A clip's source (a device id or a file path relative to the replayed folder). */
    public static final int MAX_SOURCE_CHARS = 1024;

    /** Sample rates accepted on Kafka: every microphone's rate, telephone to studio. */
    public static final int MIN_RATE = 8_000;
    public static final int MAX_RATE = 48_000;

    /** A live chunk holds at most this much audio (devices send 100 ms). */
    public static final int MAX_CHUNK_SECONDS = 1;

    /** A clip (one utterance; the segmenter cuts at 3 s) holds at most this much audio: 480 KB at 48 kHz. */
    public static final int MAX_CLIP_SECONDS = 5;

    /** A log-mel matrix on {@code audio.features}, in bytes (Hark's default is 40 × 101 floats, 16 KB). */
    public static final int MAX_FEATURE_BYTES = 256 * 1024;

    /** sequence and startSample stay below 2^42: 2.9 years of audio at 48 kHz, far from any overflow. */
    public static final long MAX_POSITION = 1L << 42;

    /**
     * A chunk may start at most this far (in seconds of audio) past where its device's audio has got to:
     * a longer jump is not a lost chunk but a broken counter, and a device that paused that long starts
     * a new session.
     */
    public static final int MAX_GAP_SECONDS = 3_600;

    /** Out-of-order chunks a device may have waiting for a missing one, in bytes of PCM (and at most 50 chunks). */
    public static final int MAX_PENDING_BYTES = 256 * 1024;

    /**
     * What one device's encoded state may never exceed: the open utterance (3 s at 48 kHz, 288 KB), the
     * waiting chunks (256 KB), one chunk being taken in (96 KB), the level history and the header.
     */
    public static final int MAX_DEVICE_STATE_BYTES = 768 * 1024;

    /** A device that has sent nothing for this long, with no audio open, is forgotten (its state deleted). */
    public static final long FORGET_DEVICE_AFTER_MS = 10 * 60 * 1000L;

    /** A dead letter keeps the original value up to this size; above it, its size and SHA-256 only. */
    public static final int MAX_DEAD_LETTER_ORIGINAL_BYTES = 256 * 1024;

    /** ... and the original key up to this size (a key is an id: anything longer is itself the problem). */
    public static final int MAX_DEAD_LETTER_KEY_BYTES = 1024;

    /** A dead letter's message, in characters. */
    public static final int MAX_DEAD_LETTER_MESSAGE_CHARS = 2_000;

    /** PCM bytes of {@code seconds} of 16-bit mono audio at {@code rate}. */
    public static long pcmBytes(int rate, int seconds) {
        return 2L * rate * seconds;
    }
}
