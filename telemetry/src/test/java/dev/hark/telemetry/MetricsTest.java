package dev.hark.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {
    /** No broker listens there: the clients are made (and have their metrics) but never connect. */
    private static final String NO_BROKER = "127.0.0.1:9";

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
        assertTrue(text.contains("hark_test_dead_letters_total{reason=\"truncated\",stage=\"features\"} 3.0\n"), text);
        assertTrue(text.contains("reason=\"quote\\\"back\\\\slash\",stage=\"classifier\"} 1.0\n"), text);
        assertEquals(3, dead.value("features", "truncated"));
        assertTrue(text.contains("# TYPE hark_test_version gauge\nhark_test_version{service=\"classifier-stream\"} 7.0\n"), text);
        assertTrue(text.contains("# TYPE hark_test_seconds histogram\n"), text);
        assertTrue(text.contains("hark_test_seconds_bucket{stage=\"a\",le=\"0.01\"} 1\n"), text);
        assertTrue(text.contains("hark_test_seconds_bucket{stage=\"a\",le=\"0.1\"} 2\n"), text);
        assertTrue(text.contains("hark_test_seconds_bucket{stage=\"a\",le=\"1.0\"} 2\n"), text);
        assertTrue(text.contains("hark_test_seconds_bucket{stage=\"a\",le=\"+Inf\"} 3\n"), text);
        assertEquals(4, Pattern.compile("^hark_test_seconds_bucket\\{", Pattern.MULTILINE).matcher(text).results().count(),
                "exactly the buckets given, and +Inf: " + text);
        assertTrue(text.contains("hark_test_seconds_count{stage=\"a\"} 3\n"), text);
        assertTrue(text.contains("hark_test_seconds_sum{stage=\"a\"} 5.055\n"), text);
        assertTrue(text.contains("hark_test_seconds_max{stage=\"a\"} 5.0\n"), text);
        assertEquals(3, h.count("a"));
        m.counter("hark_test_failures_total", "failures");
        assertTrue(m.scrape().contains("\nhark_test_failures_total 0.0\n"), "a counter without labels is there from 0");
    }

    @Test
    void namesAreThoseScrapedAndTypesCannotChange() {
        Metrics m = new Metrics();
        Metrics.Counter dead = m.counter("hark_test_dead_letters_total", "dead letters", "stage", "reason");
        assertThrows(IllegalArgumentException.class, () -> m.gauge("hark_test_dead_letters_total", "x"));
        assertThrows(IllegalArgumentException.class, () -> m.counter("hark_test_dead_letters_total", "x", "stage"));
        assertThrows(IllegalArgumentException.class, () -> dead.inc("only-one"));
        assertThrows(IllegalArgumentException.class, () -> dead.add(-1, "a", "b"));
        // Micrometer would add _total to a counter, strip a _bucket: the name would not be the one scraped
        assertThrows(IllegalArgumentException.class, () -> m.counter("hark_test_things", "x"));
        assertThrows(IllegalArgumentException.class, () -> m.gauge("hark_test_bucket", "x"));
        assertThrows(IllegalArgumentException.class, () -> m.histogram("hark_test_total", "x", new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> m.histogram("hark_test_latency", "x", new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> m.histogram("hark_test_seconds", "x", new double[] {1, 1}));
        assertThrows(IllegalArgumentException.class, () -> m.gauge("hark-test", "x"));
        assertThrows(IllegalArgumentException.class, () -> m.gauge("hark_test_le", "x", "le"));
    }

    @Test
    void aGaugeIsReadWhenScrapedReplacedAndRemoved() throws Exception {
        Metrics m = new Metrics();
        Metrics.Gauge g = m.gauge("hark_test_model_version", "v", "service");
        double[] value = {1};
        AutoCloseable first = g.set(() -> value[0], "classifier-stream");
        value[0] = 2;
        assertTrue(m.scrape().contains("hark_test_model_version{service=\"classifier-stream\"} 2.0\n"), m.scrape());
        AutoCloseable second = g.set(() -> 5, "classifier-stream"); // replaces the first
        assertTrue(m.scrape().contains("hark_test_model_version{service=\"classifier-stream\"} 5.0\n"), m.scrape());
        first.close(); // no longer its series: nothing happens
        assertTrue(g.has("classifier-stream"));
        assertTrue(m.scrape().contains("hark_test_model_version{service=\"classifier-stream\"} 5.0\n"), m.scrape());
        g.set(() -> {
            throw new IllegalStateException("broken");
        }, "broken");
        assertTrue(m.scrape().contains("hark_test_model_version{service=\"broken\"} NaN\n"), m.scrape());
        second.close();
        assertFalse(g.has("classifier-stream"));
        assertFalse(m.scrape().contains("service=\"classifier-stream\""), m.scrape());
    }

    @Test
    void aGaugeNamedTotalIsACounterOfThatName() throws Exception {
        Metrics m = new Metrics();
        AutoCloseable trainings = m.gauge("hark_test_trainings_total", "trainings").set(() -> 2);
        String text = m.scrape();
        assertTrue(text.contains("# TYPE hark_test_trainings_total counter\nhark_test_trainings_total 2.0\n"), text);
        trainings.close();
        assertFalse(m.scrape().contains("hark_test_trainings"), m.scrape());
    }

    @Test
    void jvmMetricsFromMicrometersBinders() {
        Metrics m = new Metrics();
        JvmMetrics.register(m);
        JvmMetrics.register(m); // once per registry
        String text = m.scrape();
        assertTrue(Pattern.compile("^jvm_memory_used_bytes\\{area=\"heap\",id=\"[^\"]+\"} \\d", Pattern.MULTILINE)
                .matcher(text).find(), text);
        assertTrue(Pattern.compile("^jvm_memory_used_bytes\\{area=\"nonheap\",id=\"[^\"]+\"} \\d", Pattern.MULTILINE)
                .matcher(text).find(), text);
        for (String name : new String[] {"jvm_memory_max_bytes{", "jvm_threads_live_threads ", "jvm_classes_loaded_classes ",
                "process_cpu_usage ", "system_cpu_count ", "process_uptime_seconds ", "process_start_time_seconds ",
                "process_files_open_files "}) {
            assertTrue(text.contains("\n" + name), name + " in\n" + text);
        }
    }

    @Test
    void kafkaClientMetricsAreServedUntilTheHandleIsClosed() {
        Metrics m = new Metrics();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, NO_BROKER);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "hark-test-producer");
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, NO_BROKER);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "hark-test-consumer");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Metrics.Handle producerMeters = m.kafka(producer);
            Metrics.Handle consumerMeters = m.kafka(consumer);
            String text = m.scrape();
            assertTrue(Pattern.compile("^kafka_producer_record_send_total\\{client_id=\"hark-test-producer\",kafka_version=\"[^\"]+\"} 0.0$",
                    Pattern.MULTILINE).matcher(text).find(), text);
            assertTrue(text.contains("# TYPE kafka_producer_record_send_total counter\n"), text);
            assertTrue(text.contains("\nkafka_consumer_fetch_manager_records_consumed_total{client_id=\"hark-test-consumer\","), text);
            producerMeters.close();
            text = m.scrape();
            assertFalse(text.contains("hark-test-producer"), text);
            assertTrue(text.contains("hark-test-consumer"), text);
            consumerMeters.close();
            consumerMeters.close(); // twice: harmless
            assertFalse(m.scrape().contains("kafka_"), m.scrape());
        }
    }

    @Test
    void kafkaStreamsMetricsAreServedUntilTheHandleIsClosed(@TempDir Path state) {
        Metrics m = new Metrics();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "hark-metrics-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, NO_BROKER);
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        StreamsBuilder topology = new StreamsBuilder();
        topology.stream("in").to("out");
        try (KafkaStreams streams = new KafkaStreams(topology.build(), props)) {
            Metrics.Handle handle = m.kafka(refresh -> new io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics(streams, io.micrometer.core.instrument.Tags.empty(), refresh, Metrics.KAFKA_REFRESH));
            String text = m.scrape();
            // the stream thread's, and its consumer's and producer's (named by the clients' groups)
            assertTrue(Pattern.compile("^kafka_stream_thread_process_rate\\{kafka_version=\"[^\"]+\",thread_id=\"hark-metrics-test-[^\"]+-StreamThread-1\"} ",
                    Pattern.MULTILINE).matcher(text).find(), text);
            assertTrue(text.contains("\nkafka_stream_thread_process_total{"), text);
            assertTrue(text.contains("\nkafka_consumer_fetch_manager_records_consumed_total{client_id=\"hark-metrics-test-"), text);
            assertTrue(text.contains("\nkafka_producer_record_send_total{client_id=\"hark-metrics-test-"), text);
            handle.close();
            assertFalse(m.scrape().contains("kafka_"), m.scrape());
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
            assertEquals("{\"status\":\"DOWN\",\"checks\":{\"stream\":{\"status\":\"DOWN\",\"detail\":\"REBALANCING? no: CREATED\"}}}\n",
                    health.body());
            running.set(true);
            health = http.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertEquals("application/json", health.headers().firstValue("Content-Type").orElse(""));
            assertEquals("{\"status\":\"UP\",\"checks\":{\"stream\":{\"status\":\"UP\",\"detail\":\"RUNNING\"}}}\n", health.body());
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", metrics.headers().firstValue("Content-Type").orElse(""));
            assertTrue(metrics.body().contains("# TYPE hark_test_total counter\nhark_test_total 1.0\n"), metrics.body());
            // the check's gauge, in the process-wide registry
            assertTrue(Metrics.global().scrape().contains("hark_service_up{service=\"stream\"} 1.0\n"), Metrics.global().scrape());
            assertEquals(404, http.send(HttpRequest.newBuilder(base.resolve("/nothing")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }
}
