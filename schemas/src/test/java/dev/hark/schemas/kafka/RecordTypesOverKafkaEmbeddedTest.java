package dev.hark.schemas.kafka;

import dev.hark.testing.EmbeddedInfra;
import dev.hark.testing.HarkInfra;

/** The record-type contract on an in-process KRaft broker and an Apicurio Registry process: runs everywhere. */
class RecordTypesOverKafkaEmbeddedTest extends RecordTypesOverKafkaContract {
    @Override
    protected HarkInfra infra() {
        return EmbeddedInfra.shared();
    }
}
