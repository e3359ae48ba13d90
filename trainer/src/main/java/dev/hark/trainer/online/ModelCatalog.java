package dev.hark.trainer.online;

import dev.hark.avro.ModelRelease;
import dev.hark.kafka.ModelsTopic;
import dev.hark.schemas.registry.SchemaRegistryClient;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The trainer's view of {@code models}: {@link dev.hark.model.ModelCatalog} read with {@link ModelsTopic};
 * the champion is {@link dev.hark.model.Champion}'s rule.
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
        return new ModelCatalog(ModelsTopic.read(cluster, registry, timeout));
    }

    private dev.hark.model.ModelCatalog catalog() {
        return new dev.hark.model.ModelCatalog(records);
    }

    public Optional<ModelRelease> champion() {
        return catalog().champion();
    }

    public Map<Integer, ModelRelease> versions() {
        return catalog().versions();
    }

    public Optional<ModelRelease> version(int v) {
        return catalog().version(v);
    }

    public int latestVersion() {
        return catalog().latestVersion();
    }
}
