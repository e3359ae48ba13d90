package dev.hark.kafka;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

class ClusterConfigTest {

    @Test
    void environmentGivesClusterSecurityAndClientProperties() {
        ClusterConfig c = ClusterConfig.fromEnv(Map.of(
                "HARK_BOOTSTRAP_SERVERS", "kafka:19092",
                "HARK_REGISTRY_URL", "http://schema-registry:8081",
                "HARK_SECURITY_PROTOCOL", "SASL_SSL",
                "HARK_SASL_MECHANISM", "SCRAM-SHA-512",
                "HARK_SASL_USERNAME", "hark",
                "HARK_SASL_PASSWORD", "se\"cret",
                "HARK_KAFKA_SSL_TRUSTSTORE_LOCATION", "/certs/ts.jks",
                "HARK_KAFKA_STREAMS_COMMIT_INTERVAL_MS", "200"));
        assertEquals("kafka:19092", c.bootstrapServers());
        assertEquals("http://schema-registry:8081", c.registryUrl());
        assertEquals("SASL_SSL", c.kafka().get("security.protocol"));
        assertEquals("SCRAM-SHA-512", c.kafka().get("sasl.mechanism"));
        assertEquals("org.apache.kafka.common.security.scram.ScramLoginModule required username=\"hark\" password=\"se\\\"cret\";",
                c.kafka().get("sasl.jaas.config"));
        assertEquals("/certs/ts.jks", c.kafka().get("ssl.truststore.location"));
        assertFalse(c.kafka().containsKey("streams.commit.interval.ms"), "Streams settings are not client settings");
        assertEquals("kafka:19092", c.clientProperties().get("bootstrap.servers"));
        assertFalse(c.toString().contains("cret"), "no secrets in logs: " + c);
    }

    @Test
    void defaultsAreTheLocalStack() {
        ClusterConfig c = ClusterConfig.fromEnv(Map.of());
        assertEquals(new ClusterConfig(ClusterConfig.LOCAL_BOOTSTRAP, ClusterConfig.LOCAL_REGISTRY), c);
        assertTrue(c.kafka().isEmpty());
    }
}
