package dev.hark.features.stream;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

import dev.hark.schemas.ClusterConfig;
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
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        // live audio: small commits keep end-to-end latency low under exactly-once
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "5");
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
        streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(Duration.ofSeconds(15)));
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
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.stop();
            done.countDown();
        }, "feature-stream-stop"));
        service.start();
        done.await();
    }
}
