package dev.hark.schemas;

/**
 * The project's SHA-256 ({@link dev.hark.audio.Digests}, which lives in {@code audio} because feature
 * configuration ids need it there) for the modules built on {@code schemas}: of models (release and
 * card), of dead letters' originals, of names.
 */
public final class Digests {
    private Digests() {
    }

    /** SHA-256 of {@code bytes}, as lower-case hex. */
    public static String sha256(byte[] bytes) {
        return dev.hark.audio.Digests.sha256(bytes);
    }
}
