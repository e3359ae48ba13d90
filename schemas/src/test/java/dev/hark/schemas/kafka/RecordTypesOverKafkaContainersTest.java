package dev.hark.schemas.kafka;

import org.testcontainers.junit.jupiter.Testcontainers;

import dev.hark.testing.ContainerInfra;
import dev.hark.testing.RequiresDocker;
import dev.hark.testing.HarkInfra;

/** The record-type contract on apache/kafka and Confluent Schema Registry containers; skipped without Docker. */
@RequiresDocker
@Testcontainers(disabledWithoutDocker = true)
class RecordTypesOverKafkaContainersTest extends RecordTypesOverKafkaContract {
    @Override
    protected HarkInfra infra() {
        return ContainerInfra.shared();
    }
}
