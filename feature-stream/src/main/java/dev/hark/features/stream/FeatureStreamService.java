package dev.hark.features.stream;

import java.nio.file.Path;
import java.util.Properties;

import org.apache.kafka.streams.KafkaStreams;

import dev.hark.schemas.ClusterConfig;
import dev.hark.schemas.StreamApps;
import dev.hark.schemas.registry.SchemaRegistryClient;

/** The feature stream as a service: {@link #start()}, {@link #stop()}; {@link #main} for containers. */
public final class FeatureStreamService implements AutoCloseable {
    public static final String APPLICATION_ID = "hark-feature-stream";

    private final KafkaStreams streams;

    public FeatureStreamService(ClusterConfig cluster, FeatureStreamTopology.Settings settings, Path stateDir,
                                Properties overrides) {
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        registry.checkReachable();
        this.streams = new KafkaStreams(FeatureStreamTopology.build(settings, registry),
                streamsConfig(cluster, stateDir, overrides));
    }

    static Properties streamsConfig(ClusterConfig cluster, Path stateDir, Properties overrides) {
        Properties props = StreamApps.baseConfig(APPLICATION_ID, cluster, stateDir);
        props.putAll(overrides);
        return props;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public void start() {
        streams.start();
    }

    /**
     * Leaves the consumer group on the way out, so a restart (or another instance) gets the partitions
     * at once instead of after the session timeout; gives up waiting after 15 s.
     */
    public void stop() {
        StreamApps.close(streams);
    }

    @Override
    public void close() {
        stop();
    }

    public static void main(String[] args) throws InterruptedException {
        ClusterConfig cluster = ClusterConfig.fromEnv();
        Path stateDir = Path.of(System.getenv().getOrDefault("HARK_STATE_DIR", "/tmp/hark-feature-stream"));
        FeatureStreamService service = new FeatureStreamService(cluster, FeatureStreamTopology.Settings.defaults(),
                stateDir, new Properties());
        StreamApps.runUntilShutdown(service::start, service::stop, "feature-stream");
    }
}
