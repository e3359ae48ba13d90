package dev.hark.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record that cannot be encoded or decoded. Carries a short reason code (what a dead letter
 * records) and says which topic it was for; Kafka's consumer adds partition and offset around it
 * ({@link org.apache.kafka.common.errors.RecordDeserializationException}), and
 * {@link RecordDecoder} does the same for records read as bytes.
 */
public class HarkSerdeException extends SerializationException {

    /** Why a record could not be (de)serialised; the dead-letter {@code reason}. */
    public enum Reason {
        NOT_WIRE_FORMAT("not-wire-format"),
        UNKNOWN_SCHEMA_ID("unknown-schema-id"),
        UNDECODABLE("undecodable-avro"),
        REGISTRY_UNAVAILABLE("registry-unavailable"),
        REGISTRY_ERROR("registry-error"),
        UNENCODABLE("unencodable-record");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Reason reason;
    private final String topic;

    public HarkSerdeException(Reason reason, String topic, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.topic = topic;
    }

    public Reason reason() {
        return reason;
    }

    public String topic() {
        return topic;
    }
}
