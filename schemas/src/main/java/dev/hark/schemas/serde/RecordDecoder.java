package dev.hark.schemas.serde;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Decodes records read as raw bytes (tools such as {@code hark tail} and dead-letter handling):
 * a failure becomes a {@link RecordDecodeException} that names topic, partition and offset.
 */
public final class RecordDecoder<V> {
    private final Deserializer<V> deserializer;

    public RecordDecoder(Deserializer<V> deserializer) {
        this.deserializer = deserializer;
    }

    public V decode(ConsumerRecord<byte[], byte[]> record) {
        try {
            return deserializer.deserialize(record.topic(), record.headers(), record.value());
        } catch (HarkSerdeException e) {
            throw new RecordDecodeException(record.topic(), record.partition(), record.offset(), e);
        }
    }

    /** A record that could not be decoded, with where it is. */
    public static final class RecordDecodeException extends RuntimeException {
        private final String topic;
        private final int partition;
        private final long offset;
        private final HarkSerdeException.Reason reason;

        RecordDecodeException(String topic, int partition, long offset, HarkSerdeException cause) {
            super("cannot decode the record at " + topic + "-" + partition + " offset " + offset + ": "
                    + cause.getMessage(), cause);
            this.topic = topic;
            this.partition = partition;
            this.offset = offset;
            this.reason = cause.reason();
        }

        public String topic() {
            return topic;
        }

        public int partition() {
            return partition;
        }

        public long offset() {
            return offset;
        }

        public HarkSerdeException.Reason reason() {
            return reason;
        }
    }
}
