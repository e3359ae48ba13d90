package dev.hark.testing;

/**
 * What an integration test needs from the outside world: a Kafka cluster and a
 * Confluent-compatible schema registry. Implemented in-process ({@link EmbeddedInfra}, always
 * available) and with containers ({@link ContainerInfra}, where Docker exists), so the same test
 * body runs on both.
 */
public interface HarkInfra {
    String bootstrapServers();

    /** Confluent-compatible base URL (Apicurio's {@code /apis/ccompat/v7} or Confluent's root). */
    String registryUrl();

    /** Short name for test reports: embedded or containers. */
    String name();
}
