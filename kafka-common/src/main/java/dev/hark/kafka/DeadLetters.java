package dev.hark.kafka;

import dev.hark.audio.Digests;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import dev.hark.avro.DeadLetter;
import dev.hark.schemas.input.InputLimits;
import dev.hark.telemetry.HarkMeters;

/**
 * Builds the dead letter for a record a stage gave up on: where it was, why, and its original bytes.
 * The one builder for every stage (the stream stages and the online trainer), with no Kafka Streams
 * types in it. A dead letter is always small enough for {@code audio.dlq}: the original value is kept up
 * to {@link InputLimits#MAX_DEAD_LETTER_ORIGINAL_BYTES}, beyond that only its size and SHA-256 (the
 * topic, partition and offset say where the original is); the key, the message and the ids are capped
 * too. Every dead letter built here is counted in {@code hark_dead_letters_total{stage, reason}}:
 * building one means sending it.
 */
public final class DeadLetters {
    private DeadLetters() {
    }

    /**
     * Where a record came from and what it was. {@code partition} and {@code offset} are null when
     * unknown (e.g. a record made up by a test).
     */
    public record Origin(String topic, Integer partition, Long offset, long timestampMs, byte[] key, byte[] value) {
        public static Origin of(String topic, Integer partition, Long offset, long timestampMs, String key, byte[] value) {
            return new Origin(topic, partition, offset, timestampMs,
                    key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
        }

        /** "topic-partition@offset", for logs. */
        public String where() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    public static DeadLetter of(String stage, String reason, String message, Throwable error, Origin origin,
                                String clipId, String deviceId, long nowMs) {
        HarkMeters.DEAD_LETTERS.inc(stage, reason);
        byte[] key = origin.key();
        byte[] value = origin.value();
        return DeadLetter.newBuilder()
                .setStage(stage)
                .setReason(reason)
                .setMessage(cap(message == null ? reason : message, InputLimits.MAX_DEAD_LETTER_MESSAGE_CHARS))
                .setErrorClass(error == null ? null : error.getClass().getName())
                .setTopic(origin.topic())
                .setPartition(origin.partition())
                .setOffset(origin.offset())
                .setRecordTimestampMs(Instant.ofEpochMilli(origin.timestampMs()))
                .setOriginalKey(key == null || key.length > InputLimits.MAX_DEAD_LETTER_KEY_BYTES ? null : ByteBuffer.wrap(key))
                .setOriginalKeySha256(key == null ? null : Digests.sha256(key))
                .setOriginalValue(value == null || value.length > InputLimits.MAX_DEAD_LETTER_ORIGINAL_BYTES ? null
                        : ByteBuffer.wrap(value))
                .setOriginalValueSize(value == null ? null : value.length)
                .setOriginalValueSha256(value == null ? null : Digests.sha256(value))
                .setClipId(cap(clipId, InputLimits.MAX_CLIP_ID_CHARS))
                .setDeviceId(cap(deviceId, InputLimits.MAX_ID_CHARS))
                .setDeadLetteredAtMs(Instant.ofEpochMilli(nowMs))
                .build();
    }

    /**
     * The key a dead letter is written with: the original key when it is a short enough id, else
     * {@code sha256:<hex>} of it (a 70,000-character key must not make the dead letter too large).
     */
    public static String key(String originalKey) {
        if (originalKey == null || originalKey.length() <= InputLimits.MAX_CLIP_ID_CHARS) {
            return originalKey;
        }
        return "sha256:" + Digests.sha256(originalKey.getBytes(StandardCharsets.UTF_8));
    }

    /** The same for a key read as bytes. */
    public static String key(byte[] originalKey) {
        return originalKey == null ? null : key(new String(originalKey, StandardCharsets.UTF_8));
    }

    static String cap(String s, int chars) {
        if (s == null || s.length() <= chars) {
            return s;
        }
        return s.substring(0, chars - 30) + "…(" + s.length() + " characters)";
    }
}
