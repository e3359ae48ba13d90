package dev.hark.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void countersGaugesAndHistogramsInTheTextFormat() {
        Metrics m = new Metrics();
        Metrics.Counter dead = m.counter("hark_test_dead_letters_total", "dead letters", "stage", "reason");
        dead.inc("features", "truncated");
        dead.add(2, "features", "truncated");
        dead.inc("classifier", "quote\"back\\slash");
        m.gauge("hark_test_version", "version", "service").set(() -> 7, "classifier-stream");
        Metrics.Histogram h = m.histogram("hark_test_seconds", "latency", new double[] {0.01, 0.1, 1}, "stage");
        h.observe(0.005, "a");
        h.observe(0.05, "a");
        h.observe(5, "a");
        String text = m.scrape();
        assertTrue(text.contains("# TYPE hark_test_dead_letters_total counter\n"), text);
        assertTrue(text.contains("hark_test_dead_letters_total{stage=\"features\",reason=\"truncated\"} 3\n"), text);
        assertTrue(text.contains("reason=\"quote\\\"back\\\\slash\"} 1\n"), text);
        assertTrue(text.contains("# TYPE hark_test_version gauge\nhark_test_version{service=\"classifier-stream\"} 7\n"), text);
        assertTrue(text.contains("hark_test_seconds_bucket{stage=\"a\",le=\"0.01\"} 1\n"), text);
        assertTrue(text.contains("hark_test_seconds_bucket{stage=\"a\",le=\"0.1\"} 2\n"), text);
        assertTrue(text.contains("hark_test_seconds_bucket{stage=\"a\",le=\"1\"} 2\n"), text);
        assertTrue(text.contains("hark_test_seconds_bucket{stage=\"a\",le=\"+Inf\"} 3\n"), text);
        assertTrue(text.contains("hark_test_seconds_count{stage=\"a\"} 3\n"), text);
        assertTrue(text.contains("hark_test_seconds_sum{stage=\"a\"} 5.055\n"), text);
        assertThrows(IllegalArgumentException.class, () -> m.gauge("hark_test_seconds", "x"));
        assertThrows(IllegalArgumentException.class, () -> dead.inc("only-one"));
    }

    @Test
    void kafkaMetricsAreReadLiveWhenScraped() throws Exception {
        Metrics m = new Metrics();
        try (org.apache.kafka.common.metrics.Metrics kafka = new org.apache.kafka.common.metrics.Metrics()) {
            Sensor s = kafka.sensor("records");
            s.add(kafka.metricName("records-total", "stream-thread-metrics", "records", Map.of("thread-id", "t-1")),
                    new CumulativeSum());
            AutoCloseable handle = m.kafka(kafka::metrics);
            s.record(5);
            assertTrue(m.scrape().contains("# TYPE kafka_stream_thread_records_total counter\n"
                    + "kafka_stream_thread_records_total{thread_id=\"t-1\"} 5\n"), m.scrape());
            s.record(2); // read when scraped, not copied
            assertTrue(m.scrape().contains("kafka_stream_thread_records_total{thread_id=\"t-1\"} 7\n"));
            handle.close();
            assertFalse(m.scrape().contains("kafka_stream_thread_records_total"));
        }
    }

    @Test
    void healthIsUpOnlyWhenEveryCheckIs() throws Exception {
        Metrics m = new Metrics();
        m.counter("hark_test_total", "t").inc();
        AtomicBoolean running = new AtomicBoolean(false);
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, m)) {
            server.check("stream", () -> running.get() ? MetricsServer.Check.up("RUNNING")
                    : MetricsServer.Check.down("REBALANCING? no: CREATED"));
            HttpClient http = HttpClient.newHttpClient();
            URI base = URI.create("http://127.0.0.1:" + server.port());
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(base.resolve("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, health.statusCode());
            assertTrue(health.body().contains("\"status\":\"DOWN\""), health.body());
            running.set(true);
            health = http.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertTrue(health.body().contains("\"stream\":{\"status\":\"UP\",\"detail\":\"RUNNING\"}"), health.body());
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            assertTrue(metrics.body().contains("hark_test_total 1\n"), metrics.body());
        }
    }
}
