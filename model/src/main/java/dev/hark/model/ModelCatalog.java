package dev.hark.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import dev.hark.avro.ModelRelease;

/**
 * Everything in the {@code models} topic, in offset order (read it with
 * {@code dev.hark.kafka.ModelsTopic.read}): the versions, and the {@link Champion champion}.
 */
public record ModelCatalog(List<ModelRelease> records) {

    public ModelCatalog {
        records = List.copyOf(records);
    }

    /** The champion release (its most recent record), if any version was ever made champion ({@link Champion}). */
    public Optional<ModelRelease> champion() {
        return Champion.of(records);
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

    /** The highest version in the topic, 0 when it is empty. */
    public int latestVersion() {
        return records.stream().mapToInt(ModelRelease::getVersion).max().orElse(0);
    }
}
