package dev.hark.schemas.input;

import java.nio.ByteBuffer;
import java.util.Optional;

import dev.hark.avro.AudioChunk;
import dev.hark.avro.AudioClip;
import dev.hark.avro.LogMelFeatures;

/**
 * The one validation of what devices, replays and labelers send, used by every stage that reads it
 * (the segmenter, the feature stage, the online trainer) and by the producers before they send. A
 * record that passes keeps every {@link InputLimits} bound; one that does not gets a {@link Problem}
 * whose reason code is what its dead letter records.
 */
public final class InputChecks {
    private InputChecks() {
    }

    /** Why a record is refused: a short reason code (the dead letter's {@code reason}) and a sentence. */
    public record Problem(String reason, String message) {
        @Override
        public String toString() {
            return reason + ": " + message;
        }
    }

    /** A live chunk on {@code audio.chunks}, keyed by its device id. */
    public static Optional<Problem> chunk(String key, AudioChunk chunk) {
        if (chunk == null) {
            return problem("null-value", "a chunk record without a value (a tombstone); chunks are never deleted");
        }
        Optional<Problem> id = id("deviceId", "bad-device-id", chunk.getDeviceId(), InputLimits.MAX_ID_CHARS, true);
        if (id.isPresent()) {
            return id;
        }
        id = id("sessionId", "bad-session-id", chunk.getSessionId(), InputLimits.MAX_ID_CHARS, true);
        if (id.isPresent()) {
            return id;
        }
        if (key == null || !key.equals(chunk.getDeviceId())) {
            return problem("key-not-device-id", "chunks must be keyed by their deviceId ('" + abbreviate(chunk.getDeviceId())
                    + "') so one device's audio stays in one partition; the key was "
                    + (key == null ? "null" : "'" + abbreviate(key) + "'"));
        }
        Optional<Problem> audio = audio(chunk.getSampleRate(), chunk.getPcm(), InputLimits.MAX_CHUNK_SECONDS, "chunk");
        if (audio.isPresent()) {
            return audio;
        }
        if (!position(chunk.getSequence()) || !position(chunk.getStartSample())) {
            return problem("bad-position", "sequence (" + chunk.getSequence() + ") and startSample (" + chunk.getStartSample()
                    + ") must be between 0 and 2^42");
        }
        return Optional.empty();
    }

    /** A clip to classify on {@code audio.clips}. */
    public static Optional<Problem> clip(AudioClip clip) {
        if (clip == null) {
            return problem("null-value", "a clip record without a value (a tombstone)");
        }
        Optional<Problem> p = clipIds(clip.getClipId(), clip.getSource(), clip.getDeviceId(), clip.getSessionId(),
                clip.getSpeaker());
        if (p.isEmpty()) {
            p = audio(clip.getSampleRate(), clip.getPcm(), InputLimits.MAX_CLIP_SECONDS, "clip");
        }
        if (p.isEmpty() && clip.getLabel() != null && (clip.getLabel() < 0 || clip.getLabel() > 9)) {
            p = problem("bad-label", "a label is a digit 0-9, not " + clip.getLabel());
        }
        if (p.isEmpty() && ((clip.getStartSample() != null && !position(clip.getStartSample()))
                || (clip.getEndSample() != null && !position(clip.getEndSample())))) {
            p = problem("bad-position", "startSample and endSample must be between 0 and 2^42");
        }
        return p;
    }

    /** A clip to train on, from {@code audio.clips.labeled}: a clip with a digit and a speaker. */
    public static Optional<Problem> labeledClip(AudioClip clip) {
        Optional<Problem> p = clip(clip);
        if (p.isPresent()) {
            return p;
        }
        if (clip.getLabel() == null) {
            return problem("no-label", "a labeled clip needs a label 0-9; this one has none");
        }
        if (clip.getSpeaker() == null || clip.getSpeaker().isBlank()) {
            return problem("no-speaker", "a labeled clip needs a speaker: evaluation holds speakers out");
        }
        return Optional.empty();
    }

    /** Features to classify on {@code audio.features}: ids within bounds and a matrix that is what it says. */
    public static Optional<Problem> features(LogMelFeatures f) {
        if (f == null) {
            return problem("null-value", "a feature record without a value (a tombstone)");
        }
        Optional<Problem> p = clipIds(f.getClipId(), f.getSource(), f.getDeviceId(), f.getSessionId(), f.getSpeaker());
        if (p.isEmpty()) {
            p = id("featureConfigId", "bad-feature-config-id", f.getFeatureConfigId(), InputLimits.MAX_ID_CHARS, true);
        }
        if (p.isPresent()) {
            return p;
        }
        long values = (long) f.getNMels() * f.getNFrames();
        if (f.getNMels() < 1 || f.getNFrames() < 1 || values * 4 > InputLimits.MAX_FEATURE_BYTES
                || f.getLogMel().remaining() != values * 4) {
            return problem("bad-matrix", "a " + f.getNMels() + "x" + f.getNFrames() + " matrix needs " + values * 4
                    + " bytes (at most " + InputLimits.MAX_FEATURE_BYTES + "); the record has " + f.getLogMel().remaining());
        }
        return Optional.empty();
    }

    /** The ids a clip carries, and its features after it: the clip id required, the others optional. */
    private static Optional<Problem> clipIds(String clipId, String source, String deviceId, String sessionId,
                                             String speaker) {
        Optional<Problem> p = id("clipId", "bad-clip-id", clipId, InputLimits.MAX_CLIP_ID_CHARS, true);
        if (p.isEmpty()) {
            p = id("source", "bad-source", source, InputLimits.MAX_SOURCE_CHARS, false);
        }
        if (p.isEmpty()) {
            p = id("deviceId", "bad-device-id", deviceId, InputLimits.MAX_ID_CHARS, false);
        }
        if (p.isEmpty()) {
            p = id("sessionId", "bad-session-id", sessionId, InputLimits.MAX_ID_CHARS, false);
        }
        if (p.isEmpty()) {
            p = id("speaker", "bad-speaker", speaker, InputLimits.MAX_ID_CHARS, false);
        }
        return p;
    }

    private static Optional<Problem> audio(int rate, ByteBuffer pcm, int maxSeconds, String what) {
        if (rate < InputLimits.MIN_RATE || rate > InputLimits.MAX_RATE) {
            return problem("bad-rate", "sample rate " + rate + " Hz is outside " + InputLimits.MIN_RATE + "–"
                    + InputLimits.MAX_RATE + " Hz");
        }
        int bytes = pcm.remaining();
        if (bytes == 0) {
            return problem("empty", "the " + what + " has no samples");
        }
        if (bytes % 2 != 0) {
            return problem("truncated", "PCM has an odd number of bytes (" + bytes + "): 16-bit samples are cut");
        }
        long max = InputLimits.pcmBytes(rate, maxSeconds);
        if (bytes > max) {
            return problem("too-long", String.format(java.util.Locale.ROOT,
                    "the %s holds %.2f s of audio at %d Hz; at most %d s is accepted", what, bytes / 2.0 / rate, rate, maxSeconds));
        }
        return Optional.empty();
    }

    private static Optional<Problem> id(String field, String reason, CharSequence value, int maxChars, boolean required) {
        if (value == null) {
            return required ? problem(reason, field + " is missing") : Optional.empty();
        }
        if (required && value.toString().isBlank()) {
            return problem(reason, field + " is empty");
        }
        if (value.length() > maxChars) {
            return problem(reason, field + " has " + value.length() + " characters; at most " + maxChars
                    + " are accepted ('" + abbreviate(value.toString()) + "')");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                return problem(reason, field + " contains a control character at position " + i);
            }
        }
        return Optional.empty();
    }

    private static boolean position(long value) {
        return value >= 0 && value < InputLimits.MAX_POSITION;
    }

    private static Optional<Problem> problem(String reason, String message) {
        return Optional.of(new Problem(reason, message));
    }

    /** At most 60 characters of {@code s} for a message, saying how long it really was. */
    public static String abbreviate(String s) {
        if (s == null || s.length() <= 60) {
            return s;
        }
        return s.substring(0, 40) + "…(" + s.length() + " characters)";
    }
}
