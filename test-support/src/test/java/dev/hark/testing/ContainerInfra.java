package dev.hark.testing;

import java.time.Duration;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Apache Kafka and Confluent Schema Registry in containers (the images docker-compose uses), shared
 * by every test in the JVM. Only for tests annotated
 * {@code @Testcontainers(disabledWithoutDocker = true)}: without Docker they are skipped.
 */
public final class ContainerInfra implements HarkInfra {
    public static final String KAFKA_IMAGE = "apache/kafka:4.1.0";
    public static final String REGISTRY_IMAGE = "confluentinc/cp-schema-registry:7.9.0";

    private static ContainerInfra shared;

    private final KafkaContainer kafka;
    private final GenericContainer<?> registry;

    private ContainerInfra(KafkaContainer kafka, GenericContainer<?> registry) {
        this.kafka = kafka;
        this.registry = registry;
    }

    @SuppressWarnings("resource")
    public static synchronized ContainerInfra shared() {
        if (shared == null) {
            Network network = Network.newNetwork();
            KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE))
                    .withNetwork(network)
                    .withNetworkAliases("kafka")
                    .withListener("kafka:19092")
                    .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                    .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                    .withEnv("KAFKA_MESSAGE_MAX_BYTES", String.valueOf(20 * 1024 * 1024));
            kafka.start();
            GenericContainer<?> registry = new GenericContainer<>(DockerImageName.parse(REGISTRY_IMAGE))
                    .withNetwork(network)
                    .withExposedPorts(8081)
                    .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
                    .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
                    .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
                    .waitingFor(Wait.forHttp("/subjects").forStatusCode(200))
                    .withStartupTimeout(Duration.ofMinutes(3));
            registry.start();
            shared = new ContainerInfra(kafka, registry);
        }
        return shared;
    }

    @Override
    public String bootstrapServers() {
        return kafka.getBootstrapServers();
    }

    @Override
    public String registryUrl() {
        return "http://" + registry.getHost() + ":" + registry.getMappedPort(8081);
    }

    @Override
    public String name() {
        return "containers";
    }
}
