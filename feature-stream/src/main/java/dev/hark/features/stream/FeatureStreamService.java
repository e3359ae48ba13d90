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
import dev.hark.streams.StreamApps;
import dev.hark.streams.StreamsRuntime;
import dev.hark.telemetry.Metrics;
import dev.hark.telemetry.MetricsServer;

/**
 * The feature stream as a service: {@link #start()}, {@link #stop()}; {@link #main} for containers. Its
 * Kafka Streams metrics are in the process-wide {@link Metrics} registry while it exists.
 */
public final class FeatureStreamService implements Service {
    public static final String APPLICATION_ID = "hark-feature-stream";

    private final StreamsRuntime runtime;

    /**
     * Waits for the schema registry (saying so) and registers what the stream writes, so dead letters and
     * outputs are written through a later registry outage.
     */
    public FeatureStreamService(ClusterConfig cluster, FeatureStreamTopology.Settings settings, Path stateDir,
                                Properties overrides) {
        this.runtime = new StreamsRuntime("feature-stream", cluster, streamsConfig(cluster, stateDir, overrides),
                Map.of(Topics.AUDIO_CLIPS.name(), AudioClip.getClassSchema(),
                        Topics.AUDIO_FEATURES.name(), LogMelFeatures.getClassSchema(),
                        Topics.AUDIO_DLQ.name(), dev.hark.avro.DeadLetter.getClassSchema()),
                List.of(Topics.AUDIO_CHUNKS.name(), Topics.AUDIO_CLIPS.name()),
                serdes -> FeatureStreamTopology.build(settings, serdes));
    }

    static Properties streamsConfig(ClusterConfig cluster, Path stateDir, Properties overrides) {
        Properties props = StreamApps.baseConfig(APPLICATION_ID, cluster, stateDir);
        props.putAll(overrides);
        return props;
    }

    public KafkaStreams streams() {
        return runtime.streams();
    }

    @Override
    public String name() {
        return "feature-stream";
    }

    @Override
    public void start() {
        runtime.start();
    }

    /**
     * Leaves the consumer group on the way out, so a restart (or another instance) gets the partitions
     * at once instead of after the session timeout; gives up waiting after 15 s.
     */
    @Override
    public void stop() {
        runtime.stop();
    }

    /** {@code /health}: RUNNING or REBALANCING. */
    @Override
    public MetricsServer.Check health() {
        return runtime.health();
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
