package dev.hark.trainer.online;

import dev.hark.avro.ModelRelease;
import dev.hark.kafka.TopicScan;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Everything in the {@code models} topic, read from the start. The rule every Hark component uses:
 * the <b>champion is the version of the most recent record (by offset) with {@code champion=true}</b>.
 * A promotion or rollback appends a copy of that version's release with {@code champion=true}, so the
 * topic is also the history of which model served when.
 */
public record ModelCatalog(List<ModelRelease> records) {

    public ModelCatalog {
        records = List.copyOf(records);
    }

    public static ModelCatalog read(String bootstrapServers, SchemaRegistryClient registry, Duration timeout) {
        return read(new dev.hark.kafka.ClusterConfig(bootstrapServers, ""), registry, timeout);
    }

    /** With the cluster's client settings (security). */
    public static ModelCatalog read(dev.hark.kafka.ClusterConfig cluster, SchemaRegistryClient registry, Duration timeout) {
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
        return new ModelCatalog(out);
    }

    /** The champion release (its most recent record), if any version was ever made champion. */
    public Optional<ModelRelease> champion() {
        for (int i = records.size() - 1; i >= 0; i--) {
            if (records.get(i).getChampion()) {
                return Optional.of(records.get(i));
            }
        }
        return Optional.empty();
    }

    /** One release per version (its first record: the trainer's original numbers), by version. */
    public Map<Integer, ModelRelease> versions() {
        Map<Integer, ModelRelease> m = new TreeMap<>();
        for (ModelRelease r : records) {
            m.putIfAbsent(r.getVersion(), r);
        }
        return new LinkedHashMap<>(m);
    }

    public Optional<ModelRelease> version(int v) {
        return Optional.ofNullable(versions().get(v));
    }

    public int latestVersion() {
        return records.stream().mapToInt(ModelRelease::getVersion).max().orElse(0);
    }
}
