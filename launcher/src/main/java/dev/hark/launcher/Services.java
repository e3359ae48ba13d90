package dev.hark.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import dev.hark.classifier.stream.ClassifierService;
import dev.hark.classifier.stream.ClassifierTopology;
import dev.hark.features.stream.FeatureStreamService;
import dev.hark.features.stream.FeatureStreamTopology;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.Service;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.telemetry.MetricsServer;
import dev.hark.trainer.online.OnlineTrainer;

/** Hark's stream services running inside the `hark` process, for the local stack. */
final class Services implements AutoCloseable {
    private final List<Service> running = new ArrayList<>();
    private final List<org.apache.kafka.streams.KafkaStreams> streams = new ArrayList<>();

    static Services none() {
        return new Services();
    }

    static Services start(ClusterConfig cluster, Path stateDir) {
        return start(cluster, stateDir, 0, System.getenv());
    }

    /**
     * @param streamThreads stream threads of each stream service; 0: {@code HARK_STREAM_THREADS}, else
     *                      sized to the cores and partitions ({@link dev.hark.streams.StreamApps#streamThreads})
     * @param env           {@code HARK_STREAM_THREADS} and {@code HARK_KAFKA_STREAMS_*}, as the service mains read them
     */
    static Services start(ClusterConfig cluster, Path stateDir, int streamThreads, java.util.Map<String, String> env) {
        Services services = new Services();
        try {
            FeatureStreamService features = new FeatureStreamService(cluster, FeatureStreamTopology.Settings.defaults(),
                    stateDir.resolve("feature-stream"), overrides(FeatureStreamService.APPLICATION_ID, streamThreads, env));
            features.start();
            services.add(features);
            services.streams.add(features.streams());
            ClassifierService classifier = new ClassifierService(cluster, ClassifierTopology.Settings.defaults(),
                    stateDir.resolve("classifier-stream"), overrides(ClassifierService.APPLICATION_ID, streamThreads, env));
            classifier.start();
            services.add(classifier);
            services.streams.add(classifier.streams());
            OnlineTrainer trainer = new OnlineTrainer(OnlineTrainer.Settings.defaults(cluster, stateDir.resolve("trainer")),
                    new SchemaRegistryClient(cluster.registryUrl()));
            trainer.start();
            services.add(trainer);
        } catch (IOException e) {
            services.close();
            throw new UncheckedIOException("cannot open the trainer's store: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            services.close();
            throw e;
        }
        return services;
    }

    /**
     * The local stack is one instance of each service: a fixed {@code group.instance.id} (static
     * membership) lets a restarted {@code hark up} take its partitions back at once, instead of waiting
     * out the session timeout (10 s, {@link dev.hark.streams.StreamApps#SESSION_TIMEOUT_MS}) of the member it
     * replaces.
     */
    static Properties staticMember(String applicationId) {
        Properties p = new Properties();
        p.put(org.apache.kafka.streams.StreamsConfig.consumerPrefix(
                org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), applicationId + "-local");
        return p;
    }

    /** Static membership, then the environment's Streams settings, then {@code --stream-threads} when given. */
    static Properties overrides(String applicationId, int streamThreads, java.util.Map<String, String> env) {
        Properties p = staticMember(applicationId);
        p.putAll(dev.hark.streams.StreamApps.envOverrides(env));
        if (streamThreads > 0) {
            p.put(org.apache.kafka.streams.StreamsConfig.NUM_STREAM_THREADS_CONFIG, String.valueOf(streamThreads));
        }
        return p;
    }

    private void add(Service service) {
        running.add(service);
    }

    /** Adds each running service's health check to {@code server}'s {@code /health}. */
    void checks(MetricsServer server) {
        for (Service service : running) {
            server.check(service.name(), service::health);
        }
    }

    /**
     * Waits until every stream service is RUNNING: has joined its consumer group and been given its
     * partitions. Until then chunks sent are kept in Kafka but not yet cut into clips.
     */
    static boolean awaitRunning(List<org.apache.kafka.streams.KafkaStreams> apps, java.time.Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (apps.stream().anyMatch(a -> a.state() != org.apache.kafka.streams.KafkaStreams.State.RUNNING)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    boolean awaitRunning(java.time.Duration timeout) throws InterruptedException {
        return awaitRunning(streams, timeout);
    }

    String describe() {
        return running.isEmpty() ? "none" : String.join(", ", running.stream().map(Service::name).toList());
    }

    /**
     * Stops the services side by side (each one's close waits up to 15 s for its stream threads, e.g.
     * when stopped in the middle of a rebalance; one after the other that would add up).
     */
    @Override
    public void close() {
        List<Thread> stopping = new ArrayList<>();
        for (int i = running.size() - 1; i >= 0; i--) {
            Service service = running.get(i);
            String name = service.name();
            Thread t = new Thread(() -> {
                try {
                    service.stop();
                } catch (Exception e) {
                    System.err.println("could not stop " + name + " cleanly: " + e.getMessage());
                }
            }, "stop-" + name);
            t.start();
            stopping.add(t);
        }
        for (Thread t : stopping) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        running.clear();
    }
}
