package dev.hark.testing;

import dev.hark.infra.ApicurioRegistry;
import dev.hark.testing.KafkaTestCluster;
import dev.hark.infra.Ports;

/**
 * One in-process KRaft broker and one Apicurio Registry process, each started on first use and
 * shared by every test in the JVM (starting them costs seconds; tests isolate themselves with their
 * own keys, topics and group ids). Stopped when the test plan finishes ({@link EmbeddedInfraShutdown}),
 * with a shutdown hook as the fallback.
 *
 * <p>Why not the hook alone: Kafka's test kit deletes its temporary log directories in a shutdown hook
 * of its own, and JVM shutdown hooks run concurrently. A broker still running when its log directory
 * vanishes declares the directory failed and calls {@code Exit.halt(1)}: the test JVM then ended with
 * status 1 after every test had passed (the "Error occurred in starting fork" of earlier CI runs,
 * traced with an exit-checking security manager to {@code LogManager.handleLogDirFailure}).
 */
public final class EmbeddedInfra implements HarkInfra {
    private static KafkaTestCluster kafka;
    private static ApicurioRegistry registry;
    private static boolean hookAdded;

    private static final EmbeddedInfra INSTANCE = new EmbeddedInfra();

    private EmbeddedInfra() {
    }

    /** Both Kafka and the registry. */
    public static EmbeddedInfra shared() {
        sharedKafka();
        sharedRegistry();
        return INSTANCE;
    }

    public static synchronized KafkaTestCluster sharedKafka() {
        if (kafka == null) {
            kafka = KafkaTestCluster.start();
            addHook();
        }
        return kafka;
    }

    public static synchronized ApicurioRegistry sharedRegistry() {
        if (registry == null) {
            registry = ApicurioRegistry.start(ApicurioRegistry.Options.inMemory(Ports.freePort()));
            addHook();
        }
        return registry;
    }

    private static void addHook() {
        if (!hookAdded) {
            hookAdded = true;
            Runtime.getRuntime().addShutdownHook(new Thread(EmbeddedInfra::stopAll, "embedded-infra-stop"));
        }
    }

    /** Stops both (idempotent); a later {@link #shared()} starts them again. */
    public static synchronized void stopAll() {
        if (registry != null) {
            registry.close();
            registry = null;
        }
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
    }

    public KafkaTestCluster kafka() {
        return sharedKafka();
    }

    public ApicurioRegistry registry() {
        return sharedRegistry();
    }

    @Override
    public String bootstrapServers() {
        return sharedKafka().bootstrapServers();
    }

    @Override
    public String registryUrl() {
        return sharedRegistry().confluentUrl();
    }

    @Override
    public String name() {
        return "embedded";
    }
}
