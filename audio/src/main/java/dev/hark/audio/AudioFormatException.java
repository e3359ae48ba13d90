package dev.hark.audio;

import java.util.Objects;

/**
 * Audio that cannot be decoded. Unchecked because it is a property of the data, not of the program:
 * stream stages catch it and route the record to the dead-letter topic with {@link #reason()}'s code,
 * tools print {@link #getMessage()}, which always names the file (or record) and the problem.
 */
public final class AudioFormatException extends RuntimeException {

    /** Why audio was rejected; {@link #code()} is stable and is what dead letters carry. */
    public enum Reason {
        /** The file ends before what its headers declare (a chunk or the sample data is cut short). */
        TRUNCATED("truncated"),
        /** Not a RIFF/RIFX WAVE file at all. */
        NOT_WAV("not-wav"),
        /** A WAVE file, but compressed or otherwise encoded in a way we do not decode (mu-law, ADPCM, ...). */
        UNSUPPORTED_ENCODING("unsupported-encoding"),
        /** Decodes to zero samples. */
        EMPTY("empty"),
        /** Sample rate outside the accepted range. */
        BAD_RATE("bad-rate"),
        /** A WAVE file whose headers contradict themselves or lack a required chunk. */
        MALFORMED("malformed"),
        /** Larger than one Java array can hold; clips are seconds long, this is not a clip. */
        TOO_LARGE("too-large");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Reason reason;
    private final String source;

    public AudioFormatException(Reason reason, String source, String detail) {
        super(source + ": " + reason.code() + ": " + detail);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.source = source;
    }

    public Reason reason() {
        return reason;
    }

    /** The file name or record id the audio came from. */
    public String source() {
        return source;
    }
}
