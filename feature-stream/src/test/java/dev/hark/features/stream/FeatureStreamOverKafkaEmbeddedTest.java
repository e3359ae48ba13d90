package dev.hark.features.stream;

import dev.hark.testing.EmbeddedInfra;
import dev.hark.testing.HarkInfra;

/** The feature stream contract on the in-process KRaft broker and Apicurio Registry: runs everywhere. */
class FeatureStreamOverKafkaEmbeddedTest extends FeatureStreamOverKafkaContract {
    @Override
    protected HarkInfra infra() {
        return EmbeddedInfra.shared();
    }
}
