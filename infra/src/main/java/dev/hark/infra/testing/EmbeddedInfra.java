package dev.hark.infra.testing;

import dev.hark.infra.ApicurioRegistry;
import dev.hark.infra.KafkaTestCluster;
import dev.hark.infra.Ports;

/**
 * One in-process KRaft broker and one Apicurio Registry process, each started on first use and
 * shared by every test in the JVM (starting them costs seconds; tests isolate themselves with their
 * own keys, topics and group ids). Stopped by a shutdown hook.
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

    private static synchronized void stopAll() {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
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
