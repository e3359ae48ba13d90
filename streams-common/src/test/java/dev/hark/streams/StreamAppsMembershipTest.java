package dev.hark.streams;

import dev.hark.kafka.ClusterConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/**
 * Static membership and the short session timeout of the stream services: what a restarted instance
 * needs to take its partitions back at once (docs/faults.md measures it).
 */
class StreamAppsMembershipTest {

    @Test
    void everyServiceHasATenSecondSessionWithHeartbeatsEveryThree() {
        Properties p = StreamApps.baseConfig("app", new ClusterConfig("k:9092", "http://r"), Path.of("/tmp/x"));
        assertEquals("10000", p.get("consumer.session.timeout.ms"));
        assertEquals("3000", p.get("consumer.heartbeat.interval.ms"));
        assertFalse(p.containsKey("consumer.group.instance.id"), "no static membership for in-process services by default");
    }

    @Test
    void theInstanceIdComesFromTheEnvironmentOrTheHostName() {
        assertEquals("pod-0", StreamApps.envOverrides("hark-feature-stream", Map.of("HARK_INSTANCE_ID", " pod-0 "))
                .get("consumer.group.instance.id"));
        assertEquals("hark-feature-stream-box7", StreamApps.envOverrides("hark-feature-stream", Map.of("HOSTNAME", "box7"))
                .get("consumer.group.instance.id"));
        // without HOSTNAME (shells do not export it) the kernel's host name is used
        Object fromHost = StreamApps.envOverrides("hark-classifier-stream", Map.of()).get("consumer.group.instance.id");
        assertNotNull(fromHost);
        assertTrue(fromHost.toString().startsWith("hark-classifier-stream-"), fromHost.toString());
    }

    @Test
    void noneMeansDynamicMembershipAndExplicitStreamsSettingsWin() {
        assertFalse(StreamApps.envOverrides("a", Map.of("HARK_INSTANCE_ID", "none")).containsKey("consumer.group.instance.id"));
        Properties p = StreamApps.envOverrides("a", Map.of("HOSTNAME", "h",
                "HARK_KAFKA_STREAMS_CONSUMER_GROUP_INSTANCE_ID", "explicit",
                "HARK_KAFKA_STREAMS_CONSUMER_SESSION_TIMEOUT_MS", "45000"));
        assertEquals("explicit", p.get("consumer.group.instance.id"));
        assertEquals("45000", p.get("consumer.session.timeout.ms"));
        assertEquals("200", StreamApps.envOverrides("a", Map.of("HARK_KAFKA_STREAMS_COMMIT_INTERVAL_MS", "200"))
                .get("commit.interval.ms"), "the other HARK_KAFKA_STREAMS_* settings as before");
    }
}
