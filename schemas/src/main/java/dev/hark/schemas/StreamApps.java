package dev.hark.schemas;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * What every Hark Kafka Streams service shares: its base configuration (exactly-once v2, small
 * commits for live audio, start from the earliest record), a clean stop, and running until the
 * process is told to stop. Needs Kafka Streams on the class path (an optional dependency of this
 * module: the stream modules have it).
 */
public final class StreamApps {
    private StreamApps() {
    }

    /** Exactly-once v2, one stream thread, 100 ms commits, earliest offsets, 5 ms producer linger. */
    public static Properties baseConfig(String applicationId, ClusterConfig cluster, Path stateDir) {
        Properties props = cluster.clientProperties(); // bootstrap servers and security settings
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        // live audio: small commits keep end-to-end latency low under exactly-once
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "5");
        return props;
    }

    /**
     * What a service main reads from the environment on top of {@link #baseConfig}:
     * {@code HARK_STREAM_THREADS} (stream threads, default 1) and {@code HARK_KAFKA_STREAMS_<NAME>}
     * for any Streams setting ({@code HARK_KAFKA_STREAMS_COMMIT_INTERVAL_MS=200}).
     */
    public static Properties envOverrides(java.util.Map<String, String> env) {
        Properties props = new Properties();
        String threads = env.get("HARK_STREAM_THREADS");
        if (threads != null && !threads.isBlank()) {
            props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, String.valueOf(Integer.parseInt(threads.trim())));
        }
        for (var e : env.entrySet()) {
            if (e.getKey().startsWith("HARK_KAFKA_STREAMS_")) {
                props.put(e.getKey().substring("HARK_KAFKA_STREAMS_".length()).toLowerCase(java.util.Locale.ROOT)
                        .replace('_', '.'), e.getValue().trim());
            }
        }
        return props;
    }

    /** {@code /health}: up while the Streams instance is RUNNING or REBALANCING; the state is the detail. */
    public static dev.hark.telemetry.MetricsServer.Check health(KafkaStreams streams) {
        KafkaStreams.State state = streams.state();
        return new dev.hark.telemetry.MetricsServer.Check(state.isRunningOrRebalancing(), state.name());
    }

    /**
     * Leaves the consumer group on the way out, so a restart (or another instance) gets the partitions
     * at once instead of after the session timeout; gives up waiting after 15 s.
     */
    public static void close(KafkaStreams streams) {
        streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(Duration.ofSeconds(15)));
    }

    /** Starts, then blocks until the JVM is asked to stop (SIGTERM, Ctrl-C), when {@code stop} runs. */
    public static void runUntilShutdown(Runnable start, Runnable stop, String name) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.run();
            done.countDown();
        }, name + "-stop"));
        start.run();
        done.await();
    }
}
