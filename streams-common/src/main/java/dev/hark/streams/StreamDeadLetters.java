package dev.hark.streams;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import dev.hark.kafka.DeadLetters;

/** Where a record being processed came from, for its dead letter: the Kafka Streams side of {@link DeadLetters}. */
public final class StreamDeadLetters {
    private StreamDeadLetters() {
    }

    /** The record in hand: topic, partition and offset from the context, key and value as read. */
    public static DeadLetters.Origin origin(ProcessorContext<?, ?> context, Record<String, byte[]> record, String topic) {
        var m = context.recordMetadata();
        return DeadLetters.Origin.of(m.map(RecordMetadata::topic).orElse(topic), m.map(RecordMetadata::partition).orElse(null),
                m.map(RecordMetadata::offset).orElse(null), record.timestamp(), record.key(), record.value());
    }
}
