package dev.hark.launcher;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.InfraChecks;
import dev.hark.telemetry.JvmMetrics;
import dev.hark.telemetry.Metrics;
import dev.hark.telemetry.MetricsServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hark up}: the local stack in the foreground until Ctrl-C. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start the local stack: a real single-node Kafka (KRaft) and a schema registry, with "
                + "every Hark topic created, and Hark's stream services on it. Runs until Ctrl-C.",
                "",
                "Prints `bootstrap=HOST:PORT` and `registry=URL` on standard output once both answer; "
                        + "progress and logs go elsewhere (standard error, DIR/logs)."})
final class UpCommand implements Callable<Integer> {

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./.hark",
            description = "Where Kafka and the registry keep their data (default: ${DEFAULT-VALUE}). "
                    + "Delete it to start from scratch.")
    Path dataDir;

    @Option(names = "--host", defaultValue = "localhost", description = "Host to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka port (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--controller-port", defaultValue = "9093",
            description = "Kafka's KRaft controller port (default: ${DEFAULT-VALUE}).")
    int controllerPort;

    @Option(names = "--registry-port", defaultValue = "8081",
            description = "Schema registry port (default: ${DEFAULT-VALUE}).")
    int registryPort;

    @Option(names = "--metrics-port", defaultValue = "9464",
            description = "Port of the Prometheus endpoint, http://HOST:PORT/metrics, and of /health "
                    + "(default: ${DEFAULT-VALUE}; -1: none).")
    int metricsPort;

    @Option(names = "--partitions", defaultValue = "3",
            description = "Partitions of each new audio topic: the most instances of a stream service that can "
                    + "share the work (default: ${DEFAULT-VALUE}). `models` always has one.")
    int partitions;

    @Option(names = "--stream-threads", paramLabel = "N", defaultValue = "0",
            description = "Stream threads of each stream service (default: $HARK_STREAM_THREADS, else one per core "
                    + "up to the service's tasks, i.e. its input partitions). HARK_KAFKA_STREAMS_<NAME> variables "
                    + "set any other Kafka Streams setting of both services, as for the service containers.")
    int streamThreads;

    @Option(names = "--no-services", description = "Start only Kafka and the registry, not Hark's stream services.")
    boolean noServices;

    @Option(names = "--retention", paramLabel = "TOPIC=DURATION",
            description = "Retention of a new topic, e.g. audio.chunks=12h, audio.dlq=90d, audio.clips=forever. "
                    + "Units ms, s, m, h, d. Repeatable.")
    Map<String, String> retention = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        Path dir = dataDir.toAbsolutePath().normalize();
        Map<String, Long> retentionMs = new LinkedHashMap<>();
        retention.forEach((topic, duration) -> retentionMs.put(topic, Durations.parseMs(duration)));

        Logging.toFile(dir.resolve("logs/hark.log"));
        // bound first: a port clash stops `hark up` before anything has started
        MetricsServer metrics = null;
        if (metricsPort >= 0) {
            try {
                JvmMetrics.register(Metrics.global());
                metrics = MetricsServer.start(host, metricsPort, Metrics.global());
            } catch (java.net.BindException e) {
                throw new IllegalStateException("port " + metricsPort + " is in use (--metrics-port); choose another "
                        + "with --metrics-port, or -1 for none");
            }
        }
        MetricsServer http = metrics;
        // /health is DOWN while starting: its checks are registered one by one below, and a probe that asked
        // in between saw UP from a partial list (Kafka alone, or Kafka and the registry without the services)
        java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
        if (http != null) {
            http.check("startup", () -> started.get() ? MetricsServer.Check.up("every check registered")
                    : MetricsServer.Check.down("starting Kafka, the schema registry and the services"));
        }
        err.println("Starting Kafka and the schema registry (data in " + dir + ") ...");
        long t0 = System.nanoTime();
        LocalStack stack = LocalStack.start(new LocalStack.Settings(dir, host, kafkaPort, controllerPort, registryPort,
                partitions, retentionMs));
        out.println("bootstrap=" + stack.bootstrapServers());
        out.println("registry=" + stack.registryUrl());
        out.flush();

        ClusterConfig cluster = new ClusterConfig(stack.bootstrapServers(), stack.registryUrl());
        // /health: Kafka and the registry first, then each service
        InfraChecks.KafkaCheck kafkaCheck = InfraChecks.kafka(cluster.clientProperties());
        if (http != null) {
            http.check("kafka", kafkaCheck).check("registry", InfraChecks.registry(stack.registryUrl()));
        }
        Services services;
        try {
            services = noServices ? Services.none() : Services.start(cluster, dir.resolve("streams"), streamThreads,
                    System.getenv());
        } catch (RuntimeException e) {
            stack.close();
            kafkaCheck.close();
            if (http != null) {
                http.close();
            }
            throw e;
        }
        if (http != null) {
            services.checks(http);
        }
        started.set(true);
        CountDownLatch stopped = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            long s0 = System.nanoTime();
            err.println("Stopping ...");
            try {
                stack.stopSupervising(); // a registry that dies while stopping stays down
                services.close();
                stack.close();
            } finally {
                if (http != null) {
                    http.close();
                }
                kafkaCheck.close();
                err.printf("Stopped in %.1f s. Data kept in %s%n", (System.nanoTime() - s0) / 1e9, dir);
                err.flush();
                stopped.countDown();
            }
        }, "hark-up-stop"));

        // "Up" once the stream services have their partitions: audio sent before that would wait unprocessed
        long deadline = System.nanoTime() + java.time.Duration.ofMinutes(2).toNanos();
        while (!noServices && !stopping.get() && !services.awaitRunning(java.time.Duration.ofMillis(200))) {
            if (System.nanoTime() > deadline) {
                err.println("The stream services have not joined their consumer groups within 2 minutes; they keep "
                        + "trying (see " + dir.resolve("logs") + ").");
                break;
            }
        }
        if (stopping.get()) {
            stopped.await();
            return ExitCodes.OK;
        }
        err.printf("Up in %.1f s. Topics: %d created, %d already there. Services: %s. Logs in %s.%s Ctrl-C to stop.%n",
                (System.nanoTime() - t0) / 1e9, stack.createdTopics().size(),
                dev.hark.schemas.Topics.ALL.size() - stack.createdTopics().size(), services.describe(), dir.resolve("logs"),
                http == null ? "" : " Metrics on http://" + host + ":" + http.port() + "/metrics.");
        stopped.await(); // until the shutdown hook has run
        return ExitCodes.OK;
    }
}
