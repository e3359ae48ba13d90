package dev.hark.features.stream;

import org.testcontainers.junit.jupiter.Testcontainers;

import dev.hark.testing.ContainerInfra;
import dev.hark.testing.RequiresDocker;
import dev.hark.testing.HarkInfra;

/** The feature stream contract on Kafka and Confluent Schema Registry containers; skipped without Docker. */
@RequiresDocker
@Testcontainers(disabledWithoutDocker = true)
class FeatureStreamOverKafkaContainersTest extends FeatureStreamOverKafkaContract {
    @Override
    protected HarkInfra infra() {
        return ContainerInfra.shared();
    }
}
