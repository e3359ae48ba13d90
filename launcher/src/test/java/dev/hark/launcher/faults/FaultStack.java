package dev.hark.launcher.faults;

import dev.hark.schemas.FeatureConfigs;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;

import dev.hark.avro.ModelRelease;
import dev.hark.model.CnnWeights;
import dev.hark.model.HarkOnnxWriter;
import dev.hark.model.ModelInfo;
import dev.hark.classifier.stream.ClassifierService;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.features.stream.FeatureStreamService;
import dev.hark.infra.ApicurioRegistry;
import dev.hark.testing.KafkaTestCluster;
import dev.hark.infra.Ports;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.TopicAdmin;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.trainer.export.OnnxExport;
import dev.hark.kafka.ModelsTopic;
import dev.hark.model.ModelCatalog;
import dev.hark.kafka.ModelPublisher;

/**
 * What the fault suite and the soak run against: an in-process KRaft cluster (three brokers with
 * replication 3 and min.insync.replicas 2 for the fault suite), a real Apicurio Registry process
 * with its H2 database in a data directory (so it can be stopped and started again on the same port
 * and keep its schema ids), Hark's topics from {@link Topics}'s specs at the cluster's replication,
 * a champion model on {@code models}, and the feature stream and the classifier stream each as its
 * own JVM ({@link ServiceProcess}).
 */
final class FaultStack implements AutoCloseable {

    /**
     * How the services join their consumer groups.
     * <ul>
     *   <li>{@code PRODUCT}: whatever the service mains do by default (static membership and a 10 s
     *       session timeout since "No poison pills" part 6);</li>
     *   <li>{@code DYNAMIC}: the 10 s session timeout without static membership ({@code HARK_INSTANCE_ID=none}),
     *       to tell the two parts of the change apart;</li>
     *   <li>{@code LEGACY}: what they did before: a dynamic member ({@code HARK_INSTANCE_ID=none}) with
     *       Kafka's default 45 s session timeout, for the before/after recovery measurement.</li>
     * </ul>
     */
    enum Membership {
        PRODUCT, DYNAMIC, LEGACY;

        static Membership fromProperty() {
            return Membership.valueOf(System.getProperty("hark.faults.membership", "product").toUpperCase(java.util.Locale.ROOT));
        }

        Map<String, String> env() {
            return switch (this) {
                case PRODUCT -> Map.of();
                case DYNAMIC -> Map.of("HARK_INSTANCE_ID", "none");
                case LEGACY -> Map.of("HARK_INSTANCE_ID", "none", "HARK_KAFKA_STREAMS_CONSUMER_SESSION_TIMEOUT_MS", "45000",
                        "HARK_KAFKA_STREAMS_CONSUMER_HEARTBEAT_INTERVAL_MS", "3000");
            };
        }
    }

    final Path dir;
    final KafkaTestCluster kafka;
    final int replication;
    private final ApicurioRegistry.Options registryOptions;
    private ApicurioRegistry registry;
    final ClusterConfig cluster;
    final SchemaRegistryClient registryClient;
    final ServiceProcess features;
    final ServiceProcess classifier;
    int championVersion = -1;

    private FaultStack(Path dir, KafkaTestCluster kafka, ApicurioRegistry.Options registryOptions,
                       ApicurioRegistry registry, Membership membership, List<String> jvmOptions,
                       Map<String, String> extraEnv) {
        this.dir = dir;
        this.kafka = kafka;
        this.replication = Math.min(3, kafka.brokerCount());
        this.registryOptions = registryOptions;
        this.registry = registry;
        this.cluster = new ClusterConfig(kafka.bootstrapServers(), registry.confluentUrl());
        this.registryClient = new SchemaRegistryClient(cluster.registryUrl());
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HARK_BOOTSTRAP_SERVERS", cluster.bootstrapServers());
        env.put("HARK_REGISTRY_URL", cluster.registryUrl());
        env.putAll(membership.env());
        env.putAll(extraEnv);
        Map<String, String> featureEnv = new LinkedHashMap<>(env);
        featureEnv.put("HARK_STATE_DIR", dir.resolve("state/feature-stream").toString());
        Map<String, String> classifierEnv = new LinkedHashMap<>(env);
        classifierEnv.put("HARK_STATE_DIR", dir.resolve("state/classifier-stream").toString());
        this.features = new ServiceProcess("feature-stream", FeatureStreamService.class, featureEnv, jvmOptions,
                dir.resolve("logs"));
        this.classifier = new ServiceProcess("classifier-stream", ClassifierService.class, classifierEnv, jvmOptions,
                dir.resolve("logs"));
    }

    /**
     * Starts Kafka ({@code brokers}), the registry, creates the topics, publishes a champion and starts
     * both services; returns once both are RUNNING and the classifier serves the champion.
     */
    static FaultStack start(Path dir, int brokers, Membership membership, List<String> serviceJvmOptions)
            throws Exception {
        return start(dir, brokers, membership, serviceJvmOptions, Map.of());
    }

    /** With more environment variables for both services. */
    static FaultStack start(Path dir, int brokers, Membership membership, List<String> serviceJvmOptions,
                            Map<String, String> serviceEnv) throws Exception {
        Files.createDirectories(dir);
        Map<String, Object> brokerConfig = brokers >= 3 ? Map.of("min.insync.replicas", "2") : Map.of();
        long t0 = System.nanoTime();
        KafkaTestCluster kafka = KafkaTestCluster.start(brokers, brokerConfig);
        ApicurioRegistry registry = null;
        FaultStack stack = null;
        try {
            ApicurioRegistry.Options options = ApicurioRegistry.Options.inMemory(Ports.freePort())
                    .withDataDir(dir.resolve("registry-data")).withLogFile(dir.resolve("logs/registry.log"));
            registry = ApicurioRegistry.start(options);
            stack = new FaultStack(dir, kafka, options, registry, membership, serviceJvmOptions, serviceEnv);
            TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.specs(3), (short) stack.replication);
            stack.publishChampion();
            stack.features.start();
            stack.classifier.start();
            stack.features.awaitRunning(Duration.ofSeconds(120));
            stack.classifier.awaitRunning(Duration.ofSeconds(120));
            stack.awaitServing(Duration.ofSeconds(60));
            System.out.printf("fault stack up in %.1f s: %d broker(s) at %s, registry %s, services %s (pid %d) and %s (pid %d), %s membership%n",
                    (System.nanoTime() - t0) / 1e9, brokers, kafka.bootstrapServers(), registry.confluentUrl(),
                    stack.features.name, stack.features.pid(), stack.classifier.name, stack.classifier.pid(), membership);
            return stack;
        } catch (Exception | Error e) {
            if (stack != null) {
                stack.close();
            } else {
                if (registry != null) {
                    registry.close();
                }
                kafka.close();
            }
            throw e;
        }
    }

    /** A model with random weights (what it says is not the point here), published as champion. */
    private void publishChampion() {
        FeatureSpec spec = FeatureSpec.defaults();
        int version = new ModelCatalog(ModelsTopic.read(new dev.hark.kafka.ClusterConfig(cluster.bootstrapServers(), ""), registryClient, Duration.ofSeconds(30))).latestVersion() + 1;
        byte[] onnx = HarkOnnxWriter.write(CnnWeights.random(7, spec.nMels(), spec.clipFrames(), 8, 16),
                new ModelInfo(version, spec.id(), FeatureConfigs.toAvro(spec)));
        try (ModelPublisher publisher = new ModelPublisher(cluster, registryClient)) {
            publisher.publish(ModelRelease.newBuilder().setVersion(version).setParentVersion(null)
                    .setCreatedAtMs(Instant.now()).setFeatureConfigId(spec.id()).setFeatureConfig(FeatureConfigs.toAvro(spec))
                    .setOnnx(ByteBuffer.wrap(onnx)).setOnnxSha256(dev.hark.audio.Digests.sha256(onnx)).setOutput("probabilities")
                    .setChampion(true).build());
        }
        championVersion = version;
    }

    /** Waits until the classifier's {@code /health} names the champion. */
    void awaitServing(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String h = null;
        while (System.nanoTime() < deadline) {
            h = classifier.health();
            if (h != null && h.contains("model v" + championVersion)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the classifier does not serve v" + championVersion + " within " + timeout
                + "; /health: " + h);
    }

    /** The broker leading {@code topic}'s {@code partition}. */
    int leaderOf(String topic, int partition) throws Exception {
        return describe(topic).partitions().get(partition).leader().id();
    }

    /** In-sync replicas of {@code topic}'s {@code partition}. */
    int isrSize(String topic, int partition) throws Exception {
        return describe(topic).partitions().get(partition).isr().size();
    }

    private TopicDescription describe(String topic) throws Exception {
        try (Admin admin = kafka.admin()) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        }
    }

    /** Stops the registry process (SIGTERM; its H2 database stays in the data directory). */
    synchronized void stopRegistry() {
        registry.close();
    }

    /** Starts the registry again on the same port and data directory; returns once its API answers. */
    synchronized void startRegistry() {
        registry = ApicurioRegistry.start(registryOptions);
    }

    synchronized boolean registryRunning() {
        return registry.isRunning();
    }

    @Override
    public void close() {
        for (ServiceProcess s : List.of(classifier, features)) {
            try {
                s.stop();
            } catch (Exception e) {
                System.err.println("could not stop " + s.name + ": " + e);
            }
        }
        try {
            registry.close();
        } finally {
            kafka.close();
        }
    }
}
