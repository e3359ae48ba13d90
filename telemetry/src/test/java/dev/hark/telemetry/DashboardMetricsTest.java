package dev.hark.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric the Grafana dashboard ({@code docker/grafana/dashboards/hark.json}) queries, with the
 * label matchers and the {@code by (...)} labels of its queries, is in what {@code /metrics} serves once
 * the services have recorded (what each service records is recorded here through {@link HarkMeters},
 * the JVM binders are bound and a real {@link KafkaStreams} is bound to the registry). The one Kafka
 * metric that needs a broker (consumer lag needs assigned partitions) is checked on one in
 * FeatureStreamOverKafkaContract and EndToEndContract.
 */
class DashboardMetricsTest {
    /** Labels Prometheus adds to every series it scrapes (docker/prometheus/prometheus.yml), not the services. */
    private static final Set<String> TARGET_LABELS = Set.of("service", "instance", "job");
    /** Dashboard metrics that exist only with a broker: checked by the tests over Kafka. */
    private static final Set<String> NEEDS_A_BROKER = Set.of("kafka_consumer_fetch_manager_records_lag");

    private static final Pattern EXPR = Pattern.compile("\"expr\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern SELECTOR = Pattern.compile("\\b((?:hark|kafka|jvm|process)_[a-zA-Z0-9_]+)(\\{[^}]*})?");
    private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*=\\s*\"([^\"]*)\"");
    private static final Pattern BY = Pattern.compile("\\bby\\s*\\(([^)]*)\\)");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** A metric as one query selects it: its name, label matchers and the labels it is grouped by. */
    record Selector(String expr, String name, Map<String, String> matchers, Set<String> groupedBy) {}

    static List<Selector> dashboardSelectors() throws Exception {
        // tests run in the module's folder; the dashboard is in the repository's docker/
        Path dashboard = Path.of("").toAbsolutePath().getParent().resolve("docker/grafana/dashboards/hark.json");
        List<Selector> selectors = new ArrayList<>();
        Matcher e = EXPR.matcher(Files.readString(dashboard));
        while (e.find()) {
            String expr = e.group(1).replace("\\\"", "\"").replace("\\\\", "\\");
            Set<String> by = new TreeSet<>();
            Matcher b = BY.matcher(expr);
            while (b.find()) {
                for (String l : b.group(1).split(",")) {
                    if (!l.isBlank() && !TARGET_LABELS.contains(l.trim())) {
                        by.add(l.trim());
                    }
                }
            }
            Matcher s = SELECTOR.matcher(expr);
            while (s.find()) {
                Map<String, String> matchers = new LinkedHashMap<>();
                if (s.group(2) != null) {
                    Matcher m = MATCHER.matcher(s.group(2));
                    while (m.find()) {
                        matchers.put(m.group(1), m.group(2));
                    }
                }
                selectors.add(new Selector(expr, s.group(1), matchers, by));
            }
        }
        return selectors;
    }

    @Test
    void everyMetricTheDashboardQueriesIsServedWithItsLabels(@TempDir Path state) throws Exception {
        List<Selector> selectors = dashboardSelectors();
        Set<String> names = new TreeSet<>();
        selectors.forEach(s -> names.add(s.name()));
        // the list the dashboard has today; a new metric in it needs a line below (or in the tests over Kafka)
        assertEquals(new TreeSet<>(List.of("hark_clips_total", "hark_dead_letters_total", "hark_model_load_failures_total",
                "hark_model_swaps_total", "hark_model_version", "hark_online_accuracy", "hark_predictions_total",
                "hark_processing_seconds_bucket", "hark_service_up", "hark_stage_latency_seconds_bucket", "hark_trainer_epoch",
                "hark_trainer_epochs", "hark_trainer_labeled_clips", "hark_trainer_last_accuracy", "hark_trainer_last_loss",
                "hark_trainer_last_model_version", "hark_trainer_training", "hark_trainer_trainings_total",
                "jvm_memory_used_bytes", "kafka_consumer_fetch_manager_records_lag", "kafka_stream_thread_process_rate")),
                names);

        // what the services record (the label values the dashboard selects among them)
        for (String stage : List.of("segmenter", "features", "classifier", "trainer")) {
            HarkMeters.CLIPS.inc(stage);
        }
        for (String stage : List.of("segmenter", "features", "classifier", "end_to_end")) {
            HarkMeters.STAGE_LATENCY.observe(0.02, stage);
        }
        HarkMeters.PROCESSING.observe(0.0004, "features");
        HarkMeters.PROCESSING.observe(0.003, "classifier");
        HarkMeters.PREDICTIONS.inc("7", "3");
        HarkMeters.DEAD_LETTERS.inc("feature-stream.clips", "not-wire-format");
        HarkMeters.MODEL_SWAPS.inc();
        HarkMeters.MODEL_LOAD_FAILURES.inc();
        List<AutoCloseable> gauges = new ArrayList<>(List.of(
                HarkMeters.MODEL_VERSION.set(() -> 3, "classifier-stream"),
                HarkMeters.ONLINE_ACCURACY.set(() -> 0.9, "3"),
                HarkMeters.UP.set(() -> 1, "classifier-stream"),
                HarkMeters.TRAINER_LABELED_CLIPS.set(() -> 320),
                HarkMeters.TRAINER_TRAININGS.set(() -> 2),
                HarkMeters.TRAINER_TRAINING.set(() -> 0),
                HarkMeters.TRAINER_EPOCH.set(() -> 4),
                HarkMeters.TRAINER_EPOCHS.set(() -> 4),
                HarkMeters.TRAINER_LAST_LOSS.set(() -> 0.25),
                HarkMeters.TRAINER_LAST_VERSION.set(() -> 3),
                HarkMeters.TRAINER_LAST_ACCURACY.set(() -> 0.8)));
        JvmMetrics.register(Metrics.global());

        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "hark-dashboard-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9"); // never started: no broker needed
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        StreamsBuilder topology = new StreamsBuilder();
        topology.stream("in").to("out");
        try (KafkaStreams streams = new KafkaStreams(topology.build(), props)) {
            Metrics.Handle kafka = Metrics.global().kafka(refresh -> new io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics(streams, io.micrometer.core.instrument.Tags.empty(), refresh, Metrics.KAFKA_REFRESH));
            Map<String, List<Map<String, String>>> scraped = parse(Metrics.global().scrape());
            kafka.close();
            // the bounds the quantiles are computed from are the ones given
            assertEquals(bounds(Metrics.latencyBuckets()), les(scraped, "hark_stage_latency_seconds_bucket"));
            assertEquals(bounds(new double[] {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}),
                    les(scraped, "hark_processing_seconds_bucket"));
            for (Selector s : selectors) {
                if (NEEDS_A_BROKER.contains(s.name())) {
                    continue;
                }
                List<Map<String, String>> series = scraped.getOrDefault(s.name(), List.of());
                assertTrue(series.stream().anyMatch(labels -> labels.entrySet().containsAll(s.matchers().entrySet())
                                && labels.keySet().containsAll(s.groupedBy())),
                        "the dashboard's " + s.expr() + " needs " + s.name() + " with " + s.matchers() + " and labels "
                                + s.groupedBy() + "; /metrics has " + series);
            }
        } finally {
            for (AutoCloseable g : gauges) {
                g.close();
            }
        }
    }

    static Set<Double> bounds(double[] bounds) {
        Set<Double> out = new TreeSet<>();
        for (double b : bounds) {
            out.add(b);
        }
        out.add(Double.POSITIVE_INFINITY);
        return out;
    }

    static Set<Double> les(Map<String, List<Map<String, String>>> scraped, String bucket) {
        Set<Double> out = new TreeSet<>();
        for (Map<String, String> labels : scraped.get(bucket)) {
            out.add(labels.get("le").equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(labels.get("le")));
        }
        return out;
    }

    /** name → each series' labels. */
    static Map<String, List<Map<String, String>>> parse(String text) {
        Map<String, List<Map<String, String>>> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a Prometheus sample line: " + line);
            Map<String, String> labels = new HashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            out.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(labels);
        }
        return out;
    }
}
