package dev.hark.streams;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

import org.apache.avro.Schema;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;

import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.DeadLetterSink;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroSerializer;
import dev.hark.schemas.serde.HarkSerdes;
import dev.hark.telemetry.Metrics;
import dev.hark.telemetry.MetricsServer;

/**
 * What every Hark Kafka Streams service runs on, built the same way for each: the registry waited for
 * and what the service writes registered up front (so outputs and dead letters are written through a
 * later registry outage), a dead-letter sink for Kafka Streams' own exception handlers, a stream thread
 * that is replaced with backoff instead of dying, and the instance's metrics on {@code /metrics}.
 * The feature and classifier services hold one and add only what is theirs.
 */
public final class StreamsRuntime {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StreamsRuntime.class);
    private final KafkaStreams streams;
    private final DeadLetterSink deadLetters;
    private final Metrics.Handle metrics;

    /**
     * @param stage       the dead-letter stage of the handlers, e.g. {@code feature-stream}
     * @param props       the complete Streams configuration ({@link StreamApps#baseConfig} plus the service's own)
     * @param writes      value schema by topic, registered before the first record
     * @param reads       topics whose subjects must exist before the service reads them
     * @param topology    the topology, built from registry-backed serdes
     */
    public StreamsRuntime(String stage, ClusterConfig cluster, Properties props, Map<String, Schema> writes,
                          List<String> reads, Function<HarkSerdes, Topology> topology) {
        String applicationId = props.getProperty(org.apache.kafka.streams.StreamsConfig.APPLICATION_ID_CONFIG);
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        StreamSafety.prepareRegistry(registry, new AvroSerializer<>(registry), writes, reads);
        this.deadLetters = new DeadLetterSink(cluster, registry, applicationId + "-dead-letters");
        Properties all = new Properties();
        all.putAll(props);
        all.putAll(StreamSafety.handlers(stage, deadLetters));
        Topology built = topology.apply(new HarkSerdes(registry));
        if (!all.containsKey(org.apache.kafka.streams.StreamsConfig.NUM_STREAM_THREADS_CONFIG)) {
            all.put(org.apache.kafka.streams.StreamsConfig.NUM_STREAM_THREADS_CONFIG,
                    String.valueOf(defaultThreads(applicationId, cluster, built)));
        }
        this.streams = new KafkaStreams(built, all);
        streams.setUncaughtExceptionHandler(StreamSafety.restartWithBackoff(applicationId));
        this.metrics = StreamApps.metrics(streams);
    }

    /**
     * {@link StreamApps#streamThreads}: the cores, but no more than the topology's tasks, counted from the
     * partitions of its input topics as the cluster has them now (1 when they cannot be read in 10 s).
     */
    private static int defaultThreads(String applicationId, ClusterConfig cluster, Topology topology) {
        int cores = Runtime.getRuntime().availableProcessors();
        var description = topology.describe();
        Map<String, Integer> partitions = new java.util.HashMap<>();
        try (var admin = org.apache.kafka.clients.admin.Admin.create(cluster.clientProperties())) {
            admin.describeTopics(StreamApps.sourceTopics(description)).topicNameValues().forEach((topic, f) -> {
                try {
                    partitions.put(topic, f.get(10, java.util.concurrent.TimeUnit.SECONDS).partitions().size());
                } catch (Exception e) {
                    log.info("{}: partitions of {} unknown ({}); counted as 1", applicationId, topic, e.toString());
                }
            });
        } catch (RuntimeException e) {
            log.info("{}: cannot read the input topics' partitions ({}); counted as 1 each", applicationId, e.toString());
        }
        int tasks = StreamApps.tasks(description, partitions::get);
        int threads = StreamApps.streamThreads(cores, tasks);
        log.info("{}: {} stream thread(s): {} core(s), {} task(s) (override: HARK_STREAM_THREADS)", applicationId,
                threads, cores, tasks);
        return threads;
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
        deadLetters.close();
        metrics.close();
    }

    /** {@code /health}: up while RUNNING or REBALANCING; the state is the detail. */
    public MetricsServer.Check health() {
        return StreamApps.health(streams);
    }
}
