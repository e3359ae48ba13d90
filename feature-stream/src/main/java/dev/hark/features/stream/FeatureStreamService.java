package dev.hark.features.stream;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.streams.KafkaStreams;

import dev.hark.avro.AudioClip;
import dev.hark.avro.LogMelFeatures;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.Service;
import dev.hark.schemas.Topics;
import dev.hark.schemas.serde.AvroSerializer;
import dev.hark.schemas.serde.HarkSerdes;
import dev.hark.kafka.DeadLetterSink;
import dev.hark.streams.StreamSafety;
import dev.hark.streams.StreamApps;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.telemetry.Metrics;
import dev.hark.telemetry.MetricsServer;

/**
 * The feature stream as a service: {@link #start()}, {@link #stop()}; {@link #main} for containers. Its
 * Kafka Streams metrics are in the process-wide {@link Metrics} registry while it exists.
 */
public final class FeatureStreamService implements Service {
    public static final String APPLICATION_ID = "hark-feature-stream";

    private final KafkaStreams streams;
    private final AutoCloseable kafkaMetrics;
    private final DeadLetterSink deadLetters;

    /**
     * Waits for the schema registry (saying so) and registers what the stream writes, so dead letters and
     * outputs are written through a later registry outage.
     */
    public FeatureStreamService(ClusterConfig cluster, FeatureStreamTopology.Settings settings, Path stateDir,
                                Properties overrides) {
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        StreamSafety.prepareRegistry(registry, new AvroSerializer<>(registry),
                Map.of(Topics.AUDIO_CLIPS.name(), AudioClip.getClassSchema(),
                        Topics.AUDIO_FEATURES.name(), LogMelFeatures.getClassSchema(),
                        Topics.AUDIO_DLQ.name(), dev.hark.avro.DeadLetter.getClassSchema()),
                List.of(Topics.AUDIO_CHUNKS.name(), Topics.AUDIO_CLIPS.name()));
        this.deadLetters = new DeadLetterSink(cluster, registry, APPLICATION_ID + "-dead-letters");
        Properties props = streamsConfig(cluster, stateDir, overrides);
        props.putAll(StreamSafety.handlers("feature-stream", deadLetters));
        this.streams = new KafkaStreams(FeatureStreamTopology.build(settings, new HarkSerdes(registry)), props);
        streams.setUncaughtExceptionHandler(StreamSafety.restartWithBackoff(APPLICATION_ID));
        this.kafkaMetrics = StreamApps.metrics(streams);
    }

    static Properties streamsConfig(ClusterConfig cluster, Path stateDir, Properties overrides) {
        Properties props = StreamApps.baseConfig(APPLICATION_ID, cluster, stateDir);
        props.putAll(overrides);
        return props;
    }

    public KafkaStreams streams() {
        return streams;
    }

    @Override
    public String name() {
        return "feature-stream";
    }

    @Override
    public void start() {
        streams.start();
    }

    /**
     * Leaves the consumer group on the way out, so a restart (or another instance) gets the partitions
     * at once instead of after the session timeout; gives up waiting after 15 s.
     */
    @Override
    public void stop() {
        StreamApps.close(streams);
        deadLetters.close();
        try {
            kafkaMetrics.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code /health}: RUNNING or REBALANCING. */
    @Override
    public MetricsServer.Check health() {
        return StreamApps.health(streams);
    }

    /**
     * The container entry point, configured by the environment: {@code HARK_BOOTSTRAP_SERVERS},
     * {@code HARK_REGISTRY_URL}, security ({@link ClusterConfig#fromEnv(Map)}), {@code HARK_STREAM_THREADS},
     * {@code HARK_KAFKA_STREAMS_*}, {@code HARK_INSTANCE_ID} (static membership:
     * {@link StreamApps#envOverrides(String, Map)}), {@code HARK_STATE_DIR} (default {@code /tmp/hark-feature-stream}),
     * {@code HARK_METRICS_PORT} (default 9464: {@code /metrics}, {@code /health}).
     */
    public static void main(String[] args) throws InterruptedException, IOException {
        Map<String, String> env = System.getenv();
        ClusterConfig cluster = ClusterConfig.fromEnv(env);
        Path stateDir = Path.of(env.getOrDefault("HARK_STATE_DIR", "/tmp/hark-feature-stream"));
        FeatureStreamService service = new FeatureStreamService(cluster, FeatureStreamTopology.Settings.defaults(),
                stateDir, StreamApps.envOverrides(APPLICATION_ID, env));
        Service.runUntilShutdown(service, cluster, env);
    }
}
