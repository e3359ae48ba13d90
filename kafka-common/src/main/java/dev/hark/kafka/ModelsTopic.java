package dev.hark.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.hark.avro.ModelRelease;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;

/** Reads the whole {@code models} topic (committed records, big messages), for the catalog of versions and the champion. */
public final class ModelsTopic {

    private ModelsTopic() {
    }

    /** Every release in {@code models}, in offset order, with the cluster's client settings (security). */
    public static List<ModelRelease> read(ClusterConfig cluster, SchemaRegistryClient registry, Duration timeout) {
        Properties p = cluster.clientProperties();
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_MODEL_MESSAGE_BYTES);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Topics.MAX_MODEL_MESSAGE_BYTES);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ModelRelease> out = new ArrayList<>();
        try (KafkaConsumer<String, ModelRelease> c = new KafkaConsumer<>(p, new StringDeserializer(),
                AvroDeserializer.specific(registry, ModelRelease.class))) {
            TopicScan.toEnd(c, Topics.MODELS.name(), timeout, r -> out.add(r.value()));
        }
        return out;
    }
}
