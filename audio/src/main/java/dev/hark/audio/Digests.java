package dev.hark.audio;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The one SHA-256 of the project, in its lowest library so that every module can use it: feature
 * configuration ids ({@code FeatureSpec.id()}), models (release and card), dead letters' originals,
 * names. Modules above {@code schemas} reach it as {@code dev.hark.schemas.Digests}.
 */
public final class Digests {
    private Digests() {
    }

    /** SHA-256 of {@code bytes}, as lower-case hex. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** SHA-256 of {@code text} in UTF-8, as lower-case hex. */
    public static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }
}
