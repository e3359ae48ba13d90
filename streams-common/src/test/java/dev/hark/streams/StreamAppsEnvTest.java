package dev.hark.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** HARK_KAFKA_STREAMS_* variables are Kafka Streams settings; HARK_STREAM_THREADS sizes the threads. */
class StreamAppsEnvTest {

    @Test
    void streamsSettingsComeFromTheirOwnVariables() {
        Map<String, String> env = Map.of("HARK_KAFKA_STREAMS_COMMIT_INTERVAL_MS", "200",
                "HARK_KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
        java.util.Properties overrides = StreamApps.envOverrides(env);
        assertEquals("200", overrides.get("commit.interval.ms"));
        assertFalse(overrides.containsKey("security.protocol"), "client settings are ClusterConfig's");
        assertEquals("4", StreamApps.envOverrides(Map.of("HARK_STREAM_THREADS", "4")).get("num.stream.threads"));
        assertEquals(null, StreamApps.baseConfig("x", new dev.hark.kafka.ClusterConfig("k:9092", "http://r"), java.nio.file.Path.of("/tmp/x")).get("num.stream.threads"), "sized by StreamsRuntime unless set");
    }
}
