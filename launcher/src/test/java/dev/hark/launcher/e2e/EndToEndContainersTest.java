package dev.hark.launcher.e2e;

import org.testcontainers.junit.jupiter.Testcontainers;

import dev.hark.testing.ContainerInfra;
import dev.hark.testing.HarkInfra;
import dev.hark.testing.RequiresDocker;

/**
 * The end-to-end scenario on Apache Kafka and Confluent Schema Registry containers (Testcontainers);
 * skipped, with the reason printed, where there is no Docker.
 */
@RequiresDocker
@Testcontainers(disabledWithoutDocker = true)
class EndToEndContainersTest extends EndToEndContract {
    @Override
    protected HarkInfra infra() {
        return ContainerInfra.shared();
    }
}
