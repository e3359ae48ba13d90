package dev.hark.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

import org.apache.kafka.streams.processor.api.RecordMetadata;

import dev.hark.avro.DeadLetter;
import dev.hark.telemetry.HarkMeters;

/**
 * Builds the dead letter for a record a stage gave up on: where it was, why, and its original bytes.
 * Shared by every stream stage (feature stream, classifier stream). Needs Kafka Streams on the class
 * path (an optional dependency of this module: the stream modules have it). Every dead letter built here is
 * counted in {@code hark_dead_letters_total{stage, reason}}: building one means sending it.
 */
public final class DeadLetters {
    private DeadLetters() {
    }

    public static DeadLetter of(String stage, String reason, String message, Throwable error, Optional<RecordMetadata> where,
                         String key, byte[] value, long recordTimestamp, String clipId, String deviceId, long nowMs) {
        HarkMeters.DEAD_LETTERS.inc(stage, reason);
        return DeadLetter.newBuilder()
                .setStage(stage)
                .setReason(reason)
                .setMessage(message)
                .setErrorClass(error == null ? null : error.getClass().getName())
                .setTopic(where.map(RecordMetadata::topic).orElse(null))
                .setPartition(where.map(RecordMetadata::partition).orElse(null))
                .setOffset(where.map(RecordMetadata::offset).orElse(null))
                .setRecordTimestampMs(Instant.ofEpochMilli(recordTimestamp))
                .setOriginalKey(key == null ? null : ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)))
                .setOriginalValue(value == null ? null : ByteBuffer.wrap(value))
                .setClipId(clipId)
                .setDeviceId(deviceId)
                .setDeadLetteredAtMs(Instant.ofEpochMilli(nowMs))
                .build();
    }
}
