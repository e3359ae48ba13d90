package dev.hark.kafka;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import dev.hark.kafka.InfraChecks;
import dev.hark.telemetry.MetricsServer;

/**
 * One shape for every long-running part of Hark (the feature stream, the classifier stream, the online
 * trainer): started once, stopped once, and asked for its health by {@code /health}. The same object
 * runs inside {@code hark up} (several services in one process) and alone in a container
 * ({@link #runUntilShutdown}).
 */
public interface Service extends AutoCloseable {

    /** The name in logs and in {@code /health}, e.g. {@code feature-stream}. */
    String name();

    /** Starts the work on the service's own threads and returns. */
    void start();

    /** Stops the work and releases everything; waits a bounded time (seconds) for threads to end. */
    void stop();

    /** Up or down, and a detail a person can read (e.g. the Kafka Streams state). */
    MetricsServer.Check health();

    @Override
    default void close() {
        stop();
    }

    /**
     * The container entry point: serves {@code /metrics} and {@code /health} (this service, Kafka and
     * the registry) on {@code HARK_METRICS_PORT} (default 9464), starts the service, and blocks until the
     * JVM is asked to stop (SIGTERM, Ctrl-C), when it stops the service.
     */
    static void runUntilShutdown(Service service, ClusterConfig cluster, Map<String, String> env)
            throws IOException, InterruptedException {
        MetricsServer http = MetricsServer.start(MetricsServer.portFromEnv(env))
                .check(service.name(), service::health)
                .check("kafka", InfraChecks.kafka(cluster.clientProperties()))
                .check("registry", InfraChecks.registry(cluster.registryUrl()));
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.stop();
            http.close();
            done.countDown();
        }, service.name() + "-stop"));
        service.start();
        done.await();
    }
}
