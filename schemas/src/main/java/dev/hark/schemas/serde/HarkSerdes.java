package dev.hark.schemas.serde;

import java.util.Objects;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import dev.hark.schemas.Topic;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.registry.SchemaStore;

/**
 * The serdes of Hark's topics, all in Confluent wire format with their schema ids from one
 * {@link SchemaStore}: what a topology builder takes instead of a registry client. A service builds
 * it on its {@link SchemaRegistryClient}; a {@code TopologyTestDriver} test builds it on a store kept in
 * memory, so the serializers are the same and only where the ids come from differs.
 */
public final class HarkSerdes {
    private final SchemaStore schemas;

    public HarkSerdes(SchemaStore schemas) {
        this.schemas = Objects.requireNonNull(schemas, "schemas");
    }

    /** Serializer and deserializer of {@code topic}'s values. */
    public <V extends SpecificRecord> Serde<V> values(Topic<V> topic) {
        return topic.valueSerde(schemas);
    }

    /** Reads {@code topic}'s values (a processor that decodes the bytes itself, to dead-letter what does not decode). */
    public <V extends SpecificRecord> Deserializer<V> reader(Topic<V> topic) {
        return AvroDeserializer.specific(schemas, topic.valueType());
    }

    /**
     * Writes any of Hark's records to the topic it is produced to, under that topic's subject: the one
     * value serializer of a sink that carries records of several types (outputs and dead letters).
     */
    public Serializer<SpecificRecord> writer() {
        return new AvroSerializer<>(schemas);
    }
}
