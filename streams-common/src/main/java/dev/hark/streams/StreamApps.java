package dev.hark.streams;

import dev.hark.kafka.ClusterConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;

import dev.hark.telemetry.Metrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
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

    /**
     * The consumer group session timeout of every Hark stream service: how long the group waits for a
     * member that vanished without leaving (kill -9, OOM kill, a lost host) before giving its
     * partitions to others. Kafka's default is 45 s, and a replacement that joined meanwhile waits that
     * long too; 10 s (heartbeats every 3 s) keeps a dead instance's partitions idle for at most ~10 s.
     * With static membership ({@link #envOverrides(String, java.util.Map)}) a restarted instance does not
     * wait for it at all. The brokers' {@code group.min.session.timeout.ms} (6 s) is the floor.
     */
    public static final int SESSION_TIMEOUT_MS = 10_000;

    /**
     * Exactly-once commit interval of every Hark stream service: 100 ms, Kafka's EOS default. A stage that
     * forwards something a user waits for asks for a commit at once unless it is behind ({@link CommitPacer}),
     * so a lightly loaded service answers as if the interval were 20 ms (clip→prediction p99 under 150 ms at
     * 100 devices) while a loaded one commits ten times a second and spends the rest catching up (at 1,000
     * devices a fixed 20 ms interval left the feature stream waiting in commits half the time:
     * docs/benchmarks.md).
     */
    public static final int COMMIT_INTERVAL_MS = 100;
    /** How long a stream thread's poll waits for records (Kafka's default 100 ms): below the commit interval. */
    public static final int POLL_MS = 10;
    public static final int HEARTBEAT_INTERVAL_MS = 3_000;

    /**
     * Exactly-once v2, stream threads sized by {@link StreamsRuntime} ({@link #streamThreads}), 100 ms commits
     * ({@link #COMMIT_INTERVAL_MS}), 10 ms polls, earliest offsets, 5 ms producer linger, a 10 s
     * session timeout ({@link #SESSION_TIMEOUT_MS}), RocksDB memory bounded per JVM
     * ({@link dev.hark.streams.BoundedRocksDbMemory}).
     */
    public static Properties baseConfig(String applicationId, ClusterConfig cluster, Path stateDir) {
        Properties props = cluster.clientProperties(); // bootstrap servers and security settings
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        // num.stream.threads: left unset, StreamsRuntime sizes it (streamThreads) unless it is overridden
        // live audio: under exactly-once a hop's output is visible downstream only when its transaction
        // commits; a clip crosses two such hops before its prediction (docs/operations.md, docs/benchmarks.md)
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, String.valueOf(COMMIT_INTERVAL_MS));
        // a poll that finds nothing must not hold back the commit of what was just processed
        props.put(StreamsConfig.POLL_MS_CONFIG, String.valueOf(POLL_MS));
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "5");
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG),
                String.valueOf(SESSION_TIMEOUT_MS));
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
                String.valueOf(HEARTBEAT_INTERVAL_MS));
        // RocksDB memory bounded per JVM instead of ~100 MB native per store (docs/faults.md, the soak)
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG,
                dev.hark.streams.BoundedRocksDbMemory.class.getName());
        return props;
    }

    /**
     * What a service main reads from the environment, for the service {@code applicationId}:
     * {@link #envOverrides(java.util.Map)} plus static group membership. A fixed
     * {@code group.instance.id} per instance lets an instance that restarts (after a crash, kill -9, a
     * container restart) take its partitions back at once, without a rebalance and without waiting
     * out the session timeout of its previous self (measured in docs/faults.md: from ~48 s to a few
     * seconds).
     *
     * <p>{@code HARK_INSTANCE_ID}: the instance's id, stable across its restarts and unique among the
     * running instances of the service; default {@code <applicationId>-<host name>} (a container's
     * host name survives its restarts; two instances on one host need ids of their own, or the second
     * fences the first). {@code HARK_INSTANCE_ID=none}: dynamic membership, as before. An explicit
     * {@code HARK_KAFKA_STREAMS_CONSUMER_GROUP_INSTANCE_ID} wins over both.
     */
    public static Properties envOverrides(String applicationId, java.util.Map<String, String> env) {
        Properties props = new Properties();
        String instance = instanceId(applicationId, env);
        if (instance != null) {
            props.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instance);
        }
        props.putAll(envOverrides(env));
        return props;
    }

    /** {@code HARK_INSTANCE_ID}, or {@code <applicationId>-<host name>}; null for {@code none} or no host name. */
    static String instanceId(String applicationId, java.util.Map<String, String> env) {
        String configured = env.get("HARK_INSTANCE_ID");
        if (configured != null && !configured.isBlank()) {
            return configured.trim().equalsIgnoreCase("none") ? null : configured.trim();
        }
        String host = hostName(env);
        return host == null ? null : applicationId + "-" + host;
    }

    private static String hostName(java.util.Map<String, String> env) {
        String host = env.get("HOSTNAME"); // set by Docker and Kubernetes; shells keep it unexported
        if (host == null || host.isBlank()) {
            try {
                host = java.nio.file.Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            } catch (java.io.IOException | RuntimeException e) {
                try {
                    host = java.net.InetAddress.getLocalHost().getHostName();
                } catch (java.io.IOException ex) {
                    return null;
                }
            }
        }
        return host == null || host.isBlank() ? null : host.trim();
    }

    /**
     * What a service main reads from the environment on top of {@link #baseConfig}:
     * {@code HARK_STREAM_THREADS} (stream threads; default: {@link #streamThreads}, sized by
     * {@link StreamsRuntime}) and {@code HARK_KAFKA_STREAMS_<NAME>}
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

    /**
     * The default number of stream threads of an instance: one per core, but no more than it has tasks
     * (a thread without a task only adds a consumer, a transactional producer and its commits); at least one.
     *
     * @param cores the cores the JVM may use ({@link Runtime#availableProcessors()})
     * @param tasks the topology's tasks ({@link #tasks}), 0 or less when unknown
     */
    public static int streamThreads(int cores, int tasks) {
        return Math.max(1, Math.min(Math.max(1, cores), tasks <= 0 ? 1 : tasks));
    }

    /**
     * The tasks of a topology: per sub-topology, the most partitions among its source topics (a
     * sub-topology has one task per partition of its inputs), summed. Global stores are not tasks.
     *
     * @param partitions partitions of a topic, or null/0 when unknown (counted as 1)
     */
    public static int tasks(org.apache.kafka.streams.TopologyDescription topology,
                            java.util.function.Function<String, Integer> partitions) {
        int tasks = 0;
        for (var sub : topology.subtopologies()) {
            int most = 1;
            for (var node : sub.nodes()) {
                if (node instanceof org.apache.kafka.streams.TopologyDescription.Source source
                        && source.topicSet() != null) {
                    for (String topic : source.topicSet()) {
                        Integer n = partitions.apply(topic);
                        if (n != null && n > most) {
                            most = n;
                        }
                    }
                }
            }
            tasks += most;
        }
        return tasks;
    }

    /** The source topics of a topology's sub-topologies (not of its global stores). */
    public static java.util.Set<String> sourceTopics(org.apache.kafka.streams.TopologyDescription topology) {
        java.util.Set<String> topics = new java.util.TreeSet<>();
        for (var sub : topology.subtopologies()) {
            for (var node : sub.nodes()) {
                if (node instanceof org.apache.kafka.streams.TopologyDescription.Source source
                        && source.topicSet() != null) {
                    topics.addAll(source.topicSet());
                }
            }
        }
        return topics;
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

    /** Serves a Kafka Streams instance's metrics (its clients' too) on {@code /metrics} until the handle is closed. */
    public static Metrics.Handle metrics(KafkaStreams streams) {
        return Metrics.global().kafka(refresh -> new KafkaStreamsMetrics(streams, Tags.empty(), refresh, Metrics.KAFKA_REFRESH));
    }
}
