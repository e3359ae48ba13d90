package dev.hark.classifier.stream;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

import dev.hark.classifier.accuracy.OnlineAccuracy;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.Service;
import dev.hark.streams.StreamApps;
import dev.hark.streams.StreamsRuntime;
import dev.hark.schemas.Topics;
import dev.hark.telemetry.HarkMeters;
import dev.hark.telemetry.MetricsServer;

/** The classifier stream as a service: {@link #start()}, {@link #stop()}; {@link #main} for containers. */
public final class ClassifierService implements Service {
    public static final String APPLICATION_ID = "hark-classifier-stream";

    private final ClassifierTopology.State state;
    private final StreamsRuntime runtime;
    private final AutoCloseable versionGauge;

    /**
     * Waits for the schema registry (saying so) and registers what the classifier writes, so predictions
     * and dead letters are written through a later registry outage.
     */
    public ClassifierService(ClusterConfig cluster, ClassifierTopology.Settings settings, Path stateDir,
                             Properties overrides) {
        this.state = ClassifierTopology.State.fresh(settings);
        this.runtime = new StreamsRuntime("classifier-stream", cluster,
                streamsConfig(cluster, settings, stateDir, overrides),
                java.util.Map.of(Topics.AUDIO_PREDICTIONS.name(), dev.hark.avro.Prediction.getClassSchema(),
                        Topics.AUDIO_DLQ.name(), dev.hark.avro.DeadLetter.getClassSchema()),
                java.util.List.of(Topics.AUDIO_FEATURES.name(), Topics.MODELS.name()),
                serdes -> ClassifierTopology.build(settings, serdes, state));
        this.versionGauge = HarkMeters.MODEL_VERSION.set(this::servingVersion, "classifier-stream");
    }

    static Properties streamsConfig(ClusterConfig cluster, ClassifierTopology.Settings settings, Path stateDir,
                                    Properties overrides) {
        Properties props = StreamApps.baseConfig(APPLICATION_ID, cluster, stateDir);
        // poll.ms: the base config's (10 ms). The punctuator that scores a batch is due every 1 ms while records
        // arrive, so it runs right after the records of a poll are processed; polls need not be shorter.
        // models are large records: the global consumer must be able to fetch them
        props.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG),
                String.valueOf(Topics.MAX_MODEL_MESSAGE_BYTES));
        props.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG),
                String.valueOf(Topics.MAX_MODEL_MESSAGE_BYTES));
        props.putAll(overrides);
        return props;
    }

    public KafkaStreams streams() {
        return runtime.streams();
    }

    /** Online accuracy per model version, as this instance has seen it. */
    public OnlineAccuracy accuracy() {
        return state.accuracy();
    }

    /** The model version serving now, -1 while there is none. */
    public int servingVersion() {
        return state.slot().version().orElse(-1);
    }

    @Override
    public String name() {
        return "classifier-stream";
    }

    @Override
    public void start() {
        runtime.start();
    }

    /** Leaves the consumer group on the way out; gives up waiting after 15 s. */
    @Override
    public void stop() {
        runtime.stop();
        state.slot().close();
        try {
            versionGauge.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code /health}: RUNNING or REBALANCING (a classifier without a champion is up: it holds records). */
    @Override
    public MetricsServer.Check health() {
        MetricsServer.Check streamsCheck = runtime.health();
        return new MetricsServer.Check(streamsCheck.up(), streamsCheck.detail() + ", model "
                + (servingVersion() < 0 ? "none yet" : "v" + servingVersion()));
    }

    /**
     * The container entry point, configured by the environment: {@code HARK_BOOTSTRAP_SERVERS},
     * {@code HARK_REGISTRY_URL}, security ({@link ClusterConfig#fromEnv(Map)}), {@code HARK_STREAM_THREADS},
     * {@code HARK_KAFKA_STREAMS_*}, {@code HARK_INSTANCE_ID} (static membership:
     * {@link StreamApps#envOverrides(String, Map)}),
     * {@code HARK_STATE_DIR} (default {@code /tmp/hark-classifier-stream}),
     * {@code HARK_METRICS_PORT} (default 9464).
     */
    public static void main(String[] args) throws InterruptedException, IOException {
        Map<String, String> env = System.getenv();
        ClusterConfig cluster = ClusterConfig.fromEnv(env);
        Path stateDir = Path.of(env.getOrDefault("HARK_STATE_DIR", "/tmp/hark-classifier-stream"));
        ClassifierService service = new ClassifierService(cluster, ClassifierTopology.Settings.defaults(), stateDir,
                StreamApps.envOverrides(APPLICATION_ID, env));
        Service.runUntilShutdown(service, cluster, env);
    }
}
