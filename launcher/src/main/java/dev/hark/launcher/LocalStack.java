package dev.hark.launcher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;


import dev.hark.infra.ApicurioRegistry;
import dev.hark.infra.LocalKafkaBroker;
import dev.hark.infra.Ports;
import dev.hark.infra.SupervisedRegistry;
import dev.hark.kafka.TopicAdmin;
import dev.hark.schemas.Topics;

/**
 * The embedded default: a real single-node Kafka (KRaft) and a real schema registry, both keeping
 * their data under one directory, with every Hark topic created. {@code hark up} runs it until
 * Ctrl-C; other commands (demo) can start it for their own run. The registry is a child process that
 * is started again, on the same port and data, whenever it dies ({@link SupervisedRegistry}); each
 * death and restart is a line on standard error.
 */
public final class LocalStack implements AutoCloseable {

    /** Where and how to run it. */
    public record Settings(Path dataDir, String host, int kafkaPort, int controllerPort, int registryPort,
                           int partitions, Map<String, Long> retentionMs) {
    }

    private final Settings settings;
    private final LocalKafkaBroker kafka;
    private final SupervisedRegistry registry;
    private final List<String> createdTopics;

    private LocalStack(Settings settings, LocalKafkaBroker kafka, SupervisedRegistry registry, List<String> created) {
        this.settings = settings;
        this.kafka = kafka;
        this.registry = registry;
        this.createdTopics = created;
    }

    public static LocalStack start(Settings s) {
        // check every port before starting anything, so a clash is one clear message
        Ports.requireFree(s.kafkaPort(), "Kafka", "--kafka-port");
        Ports.requireFree(s.controllerPort(), "Kafka controller", "--controller-port");
        Ports.requireFree(s.registryPort(), "schema registry", "--registry-port");
        Topics.specs(s.partitions(), s.retentionMs()); // validates before anything starts

        Path dir = s.dataDir().toAbsolutePath();
        // the registry is a separate JVM: start it while Kafka starts here
        CompletableFuture<SupervisedRegistry> registry = CompletableFuture.supplyAsync(() -> SupervisedRegistry.start(
                new ApicurioRegistry.Options(s.host(), s.registryPort(), dir, dir.resolve("logs/registry.log"),
                        Duration.ofSeconds(90)), LocalStack::notice));
        LocalKafkaBroker kafka;
        try {
            kafka = LocalKafkaBroker.start(dir, s.host(), s.kafkaPort(), s.controllerPort());
        } catch (RuntimeException e) {
            registry.thenAccept(SupervisedRegistry::close);
            throw e;
        }
        SupervisedRegistry reg;
        try {
            reg = registry.join();
        } catch (CompletionException e) {
            kafka.close();
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        try {
            List<String> created = TopicAdmin.ensureTopics(kafka.bootstrapServers(),
                    Topics.specs(s.partitions(), s.retentionMs()), (short) 1);
            return new LocalStack(s, kafka, reg, created);
        } catch (RuntimeException e) {
            reg.close();
            kafka.close();
            throw e;
        }
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String registryUrl() {
        return registry.confluentUrl();
    }

    /** Called first when shutting down: a registry that dies from now on is not started again. */
    public void stopSupervising() {
        registry.stopSupervising();
    }

    private static void notice(String message) {
        System.err.println(java.time.LocalTime.now().withNano(0) + " " + message);
        System.err.flush();
    }

    public List<String> createdTopics() {
        return createdTopics;
    }

    public Settings settings() {
        return settings;
    }

    /** Stops the registry and Kafka side by side. */
    @Override
    public void close() {
        CompletableFuture<Void> stopRegistry = CompletableFuture.runAsync(registry::close);
        try {
            kafka.close();
        } finally {
            stopRegistry.join();
        }
    }
}
