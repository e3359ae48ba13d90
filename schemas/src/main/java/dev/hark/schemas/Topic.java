package dev.hark.schemas;

import java.util.Map;
import java.util.Objects;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import dev.hark.schemas.registry.SchemaStore;
import dev.hark.schemas.serde.AvroSerde;

/**
 * One Hark topic: its name, its key serde, its value type (Avro, through the registry) and how it
 * is created. Every module reaches topics through {@link Topics}; no topic name is spelled elsewhere.
 */
public final class Topic<V extends SpecificRecord> {

    private final String name;
    private final Class<V> valueType;
    private final boolean singlePartition;
    private final long defaultRetentionMs;
    private final Map<String, String> configs;

    Topic(String name, Class<V> valueType, boolean singlePartition, long defaultRetentionMs,
          Map<String, String> configs) {
        this.name = Objects.requireNonNull(name);
        this.valueType = Objects.requireNonNull(valueType);
        this.singlePartition = singlePartition;
        this.defaultRetentionMs = defaultRetentionMs;
        this.configs = Map.copyOf(configs);
    }

    public String name() {
        return name;
    }

    public Class<V> valueType() {
        return valueType;
    }

    /** Keys are plain UTF-8 strings (device id, clip id, model version): readable in every tool. */
    public Serde<String> keySerde() {
        return Serdes.String();
    }

    /** A Confluent wire-format Avro serde for this topic's values, its schema ids from {@code registry}. */
    public Serde<V> valueSerde(SchemaStore registry) {
        return new AvroSerde<>(registry, valueType);
    }

    /** True for topics whose order matters across all records (models: versions in order). */
    public boolean singlePartition() {
        return singlePartition;
    }

    /** Retention when the user sets none; -1 keeps records forever. */
    public long defaultRetentionMs() {
        return defaultRetentionMs;
    }

    /** Topic-level configuration other than retention (e.g. message size for models). */
    public Map<String, String> configs() {
        return configs;
    }

    @Override
    public String toString() {
        return name;
    }
}
