package dev.hark.launcher.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hark.avro.ModelRelease;
import dev.hark.avro.Prediction;
import dev.hark.classifier.stream.ClassifierService;
import dev.hark.classifier.stream.ClassifierTopology;
import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.features.stream.FeatureStreamService;
import dev.hark.features.stream.FeatureStreamTopology;
import dev.hark.testing.HarkInfra;
import dev.hark.testing.SharedData;
import dev.hark.producer.replay.Replayer;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.TopicAdmin;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;
import dev.hark.telemetry.JvmMetrics;
import dev.hark.telemetry.Metrics;
import dev.hark.telemetry.MetricsServer;
import dev.hark.trainer.model.Augmentation;
import dev.hark.trainer.model.TrainingOptions;
import dev.hark.kafka.ModelPublisher;
import dev.hark.trainer.online.OnlineTrainer;

/**
 * Hark end to end, every service running as it does in {@code hark up} (one process) and in the
 * containers (one process each), on real Kafka and a real schema registry:
 *
 * <ol>
 *   <li>labeled FSDD recordings replayed → the online trainer trains v1 and releases it to {@code models};</li>
 *   <li>the classifier swaps v1 in; recordings of a speaker nobody trained on are replayed to classify →
 *       feature stream → classifier → one prediction each, by v1 (and one garbage record → a dead letter);</li>
 *   <li>more labeled recordings → the trainer trains v2 → the classifier swaps to v2 while running →
 *       more test clips, each predicted once, by v2;</li>
 *   <li>meanwhile {@code /metrics} is scraped and every Hark metric the dashboards use is there and
 *       non-zero, with the Kafka client and Streams metrics; {@code /health} answers 200.</li>
 * </ol>
 * A release the trainer's gate does not make champion is promoted (as {@code hark models promote}
 * would), so the swap happens whatever the two small models' accuracies.
 *
 * <p>Runs on the embedded cluster always ({@link EndToEndEmbeddedTest}), and on Kafka and Confluent
 * Schema Registry containers where Docker exists ({@link EndToEndContainersTest}).
 */
abstract class EndToEndContract {

    static final String HELD_OUT = "yweweler";
    static final List<String> TRAIN_SPEAKERS = List.of("jackson", "nicolas", "theo", HELD_OUT);
    static final String TEST_SPEAKER = "george";

    protected abstract HarkInfra infra();

    @Test
    void labeledReplayTrainsReleasesClassifiesAndSwapsModelsWithMetrics(@TempDir Path tmp) throws Exception {
        Path fsdd = SharedData.requireFsdd();
        String run = UUID.randomUUID().toString().substring(0, 8);
        ClusterConfig cluster = new ClusterConfig(infra().bootstrapServers(), infra().registryUrl());
        TopicAdmin.ensureTopics(cluster.bootstrapServers(), 3);
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());

        DatasetFiles labeled1 = DatasetFiles.list(copy(fsdd, tmp.resolve("labeled-1"), TRAIN_SPEAKERS, 5, 12)); // 320
        DatasetFiles labeled2 = DatasetFiles.list(copy(fsdd, tmp.resolve("labeled-2"), TRAIN_SPEAKERS, 13, 17)); // 200
        DatasetFiles test1 = DatasetFiles.list(copy(fsdd, tmp.resolve("test-1"), List.of(TEST_SPEAKER), 0, 4)); // 50
        DatasetFiles test2 = DatasetFiles.list(copy(fsdd, tmp.resolve("test-2"), List.of(TEST_SPEAKER), 5, 9)); // 50

        TrainingOptions quick = TrainingOptions.defaults().withEpochs(4).withBatchSize(32).withThreads(2)
                .withChannels(new int[] {8, 16, 32}).withAugmentation(Augmentation.NONE);
        OnlineTrainer.Settings trainerSettings = OnlineTrainer.Settings.defaults(cluster, tmp.resolve("trainer"))
                .withRetrainEvery(labeled2.size()).withMinClips(labeled2.size()).withOptions(quick)
                .withHoldoutSpeakers(List.of(HELD_OUT)).withGroup("e2e-trainer-" + run);

        JvmMetrics.register(Metrics.global());
        try (MetricsServer http = MetricsServer.start("127.0.0.1", 0, Metrics.global());
             FeatureStreamService features = new FeatureStreamService(cluster, FeatureStreamTopology.Settings.defaults(),
                     tmp.resolve("feature-stream"), appId("e2e-features-" + run));
             ClassifierService classifier = new ClassifierService(cluster, ClassifierTopology.Settings.defaults(),
                     tmp.resolve("classifier-stream"), appId("e2e-classifier-" + run));
             OnlineTrainer trainer = new OnlineTrainer(trainerSettings, registry);
             Replayer replayer = new Replayer(cluster, registry); // binds its producer's metrics
             KafkaConsumer<String, Prediction> predictions = predictionsFromNow(cluster, registry)) {
            http.check("feature-stream", features::health).check("classifier-stream", classifier::health)
                    .check("trainer", trainer::health);
            features.start();
            classifier.start();
            trainer.start();

            // 1. labeled replay → training → release → the classifier serves v1
            assertEquals(labeled1.size(), replayer.replay(labeled1, Replayer.Target.LABELED, 0, 0, n -> { }).published());
            ModelRelease v1 = champion(cluster, registry, awaitTraining(trainer, 1));
            await("the classifier serves v" + v1.getVersion(), Duration.ofSeconds(60),
                    () -> classifier.servingVersion() == v1.getVersion());

            // 2. test clips → features → predictions by v1; garbage → a dead letter
            assertEquals(test1.size(), replayer.replay(test1, Replayer.Target.CLASSIFY, 0, 0, n -> { }).published());
            sendGarbage(cluster, "e2e-garbage-" + run);
            Map<String, Prediction> first = collect(predictions, test1, Duration.ofSeconds(60));
            assertEquals(test1.size(), first.size(), "one prediction per test clip");
            first.values().forEach(p -> assertEquals(v1.getVersion(), p.getModelVersion(), p.getClipId()));

            // 3. more labeled clips → v2 → swapped in while running → predictions by v2
            assertEquals(labeled2.size(), replayer.replay(labeled2, Replayer.Target.LABELED, 0, 0, n -> { }).published());
            ModelRelease v2 = champion(cluster, registry, awaitTraining(trainer, 2));
            assertEquals(v1.getVersion() + 1, v2.getVersion());
            await("the classifier swaps to v" + v2.getVersion(), Duration.ofSeconds(60),
                    () -> classifier.servingVersion() == v2.getVersion());
            assertEquals(test2.size(), replayer.replay(test2, Replayer.Target.CLASSIFY, 0, 0, n -> { }).published());
            Map<String, Prediction> second = collect(predictions, test2, Duration.ofSeconds(60));
            assertEquals(test2.size(), second.size(), "one prediction per test clip");
            second.values().forEach(p -> assertEquals(v2.getVersion(), p.getModelVersion(), p.getClipId()));

            // 4. the Prometheus endpoint during the run
            HttpClient client = HttpClient.newHttpClient();
            URI base = URI.create("http://127.0.0.1:" + http.port());
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(base.resolve("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            String text = client.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Scrape m = Scrape.parse(text);
            String s1 = Integer.toString(v1.getVersion());
            String s2 = Integer.toString(v2.getVersion());
            m.atLeast(test1.size() + test2.size(), "hark_clips_total", "stage", "features");
            m.atLeast(test1.size() + test2.size(), "hark_clips_total", "stage", "classifier");
            m.atLeast(labeled1.size() + labeled2.size(), "hark_clips_total", "stage", "trainer");
            for (String stage : List.of("features", "classifier", "end_to_end")) {
                m.atLeast(test1.size() + test2.size(), "hark_stage_latency_seconds_count", "stage", stage);
                m.atLeast(1e-6, "hark_stage_latency_seconds_sum", "stage", stage);
            }
            m.atLeast(1, "hark_processing_seconds_count", "stage", "features");
            m.atLeast(1, "hark_processing_seconds_count", "stage", "classifier");
            m.atLeast(test1.size(), "hark_predictions_total", "model_version", s1);
            m.atLeast(test2.size(), "hark_predictions_total", "model_version", s2);
            m.atLeast(1e-9, "hark_online_accuracy", "model_version", s1);
            m.atLeast(1e-9, "hark_online_accuracy", "model_version", s2);
            m.atLeast(1, "hark_dead_letters_total", "stage", "feature-stream.clips", "reason", "not-wire-format");
            assertEquals(v2.getVersion(), m.value("hark_model_version", "service", "classifier-stream"), 0.0);
            m.atLeast(2, "hark_model_swaps_total");
            m.atLeast(2, "hark_trainer_trainings_total");
            assertEquals(quick.epochs(), m.value("hark_trainer_epoch"), 0.0);
            assertEquals(labeled1.size() + labeled2.size(), m.value("hark_trainer_labeled_clips"), 0.0);
            assertEquals(v2.getVersion(), m.value("hark_trainer_last_model_version"), 0.0);
            m.atLeast(labeled1.size() + labeled2.size(), "hark_records_published_total", "topic", Topics.AUDIO_CLIPS_LABELED.name());
            m.atLeast(1, "hark_service_up", "service", "classifier-stream");
            m.atLeast(test1.size() + test2.size(), "hark_stage_latency_seconds_bucket", "stage", "end_to_end", "le", "+Inf");
            // Kafka clients' and Kafka Streams' own metrics (Micrometer's binders), the JVM's
            m.atLeast(1, "kafka_stream_thread_process_total");
            m.atLeast(0, "kafka_stream_thread_process_rate");
            m.atLeast(0, "kafka_consumer_fetch_manager_records_lag");
            m.atLeast(1, "kafka_consumer_fetch_manager_records_consumed_total");
            m.atLeast(1, "kafka_producer_record_send_total");
            m.atLeast(1, "jvm_memory_used_bytes", "area", "heap");
            // every metric the Grafana dashboard queries is served
            for (String name : dashboardMetrics()) {
                assertTrue(m.series.containsKey(name), "the dashboard queries " + name + ", not in /metrics");
            }
            System.out.printf("end to end on %s: v%d then v%d; online accuracy %.2f / %.2f; %d metric series scraped%n",
                    infra().name(), v1.getVersion(), v2.getVersion(), m.value("hark_online_accuracy", "model_version", s1),
                    m.value("hark_online_accuracy", "model_version", s2), m.series.size());
        }
    }

    /** The metric names in the Grafana dashboard's queries (docker/grafana/dashboards/hark.json). */
    static java.util.Set<String> dashboardMetrics() throws java.io.IOException {
        Path dashboard = Path.of("").toAbsolutePath().getParent().resolve("docker/grafana/dashboards/hark.json");
        java.util.Set<String> names = new java.util.TreeSet<>();
        Matcher expr = Pattern.compile("\"expr\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(Files.readString(dashboard));
        while (expr.find()) {
            Matcher name = Pattern.compile("\\b(?:hark|kafka|jvm|process)_[a-zA-Z0-9_]+").matcher(expr.group(1));
            while (name.find()) {
                names.add(name.group());
            }
        }
        assertTrue(names.size() >= 10, "metric names found in " + dashboard + ": " + names);
        return names;
    }

    static Properties appId(String id) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, id);
        return p;
    }

    /** Copies {@code digit_speaker_take.wav} for every digit, the given speakers and takes from..to. */
    static Path copy(Path fsdd, Path dir, List<String> speakers, int fromTake, int toTake) throws Exception {
        Files.createDirectories(dir);
        for (String speaker : speakers) {
            for (int digit = 0; digit < 10; digit++) {
                for (int take = fromTake; take <= toTake; take++) {
                    String name = digit + "_" + speaker + "_" + take + ".wav";
                    Files.copy(fsdd.resolve(name), dir.resolve(name));
                }
            }
        }
        return dir;
    }

    static ModelRelease awaitTraining(OnlineTrainer trainer, int trainings) throws InterruptedException {
        await(trainings + " training(s)", Duration.ofMinutes(3), () -> {
            if (trainer.status().state().startsWith("failed")) {
                throw new AssertionError(trainer.status().state());
            }
            return trainer.status().trainings() >= trainings;
        });
        return trainer.status().lastRelease().orElseThrow();
    }

    /** The release as champion: promoted (hark models promote) when the trainer's gate kept the old one. */
    static ModelRelease champion(ClusterConfig cluster, SchemaRegistryClient registry, ModelRelease release) {
        if (!release.getChampion()) {
            ModelPublisher.publishOnce(cluster, registry, dev.hark.model.Champion.promotion(release, "end-to-end test", java.time.Instant.now()));
        }
        return release;
    }

    static void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    static void sendGarbage(ClusterConfig cluster, String key) throws Exception {
        Properties p = cluster.clientProperties();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.AUDIO_CLIPS.name(), key, "not avro".getBytes(StandardCharsets.UTF_8))).get();
        }
    }

    /** Reads audio.predictions from its end as it is now (read committed). */
    static KafkaConsumer<String, Prediction> predictionsFromNow(ClusterConfig cluster, SchemaRegistryClient registry) {
        Properties p = cluster.clientProperties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<String, Prediction> c = new KafkaConsumer<>(p, new StringDeserializer(),
                AvroDeserializer.specific(registry, Prediction.class));
        List<TopicPartition> parts = c.partitionsFor(Topics.AUDIO_PREDICTIONS.name(), Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        c.assign(parts);
        c.seekToEnd(parts);
        parts.forEach(tp -> c.position(tp, Duration.ofSeconds(30)));
        return c;
    }

    /** Predictions of exactly these files' clips; a second prediction of a clip fails the test. */
    static Map<String, Prediction> collect(KafkaConsumer<String, Prediction> consumer, DatasetFiles files, Duration timeout) {
        Map<String, Prediction> out = new HashMap<>();
        java.util.Set<String> wanted = new java.util.HashSet<>();
        files.entries().forEach(e -> wanted.add(Replayer.clipId(e)));
        long deadline = System.nanoTime() + timeout.toNanos();
        long settle = Long.MAX_VALUE;
        while (System.nanoTime() < Math.min(deadline, settle)) {
            for (ConsumerRecord<String, Prediction> r : consumer.poll(Duration.ofMillis(200))) {
                if (wanted.contains(r.value().getClipId())) {
                    Prediction before = out.put(r.value().getClipId(), r.value());
                    assertEquals(null, before, "predicted twice: " + r.value().getClipId());
                }
            }
            if (out.size() == wanted.size() && settle == Long.MAX_VALUE) {
                settle = System.nanoTime() + Duration.ofSeconds(1).toNanos(); // and nothing more
            }
        }
        return out;
    }

    /** A parsed Prometheus text exposition: series {@code name{labels}} → value. */
    record Scrape(Map<String, Map<Map<String, String>, Double>> series) {
        private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
        private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

        static Scrape parse(String text) {
            Map<String, Map<Map<String, String>, Double>> series = new HashMap<>();
            for (String line : text.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                Matcher m = LINE.matcher(line);
                assertTrue(m.matches(), "not a Prometheus sample line: " + line);
                Map<String, String> labels = new HashMap<>();
                if (m.group(2) != null) {
                    Matcher l = LABEL.matcher(m.group(2));
                    while (l.find()) {
                        labels.put(l.group(1), l.group(2));
                    }
                }
                String v = m.group(3);
                double value = switch (v) {
                    case "+Inf" -> Double.POSITIVE_INFINITY;
                    case "-Inf" -> Double.NEGATIVE_INFINITY;
                    default -> Double.parseDouble(v);
                };
                series.computeIfAbsent(m.group(1), k -> new HashMap<>()).put(labels, value);
            }
            return new Scrape(series);
        }

        /** Sum over the series of {@code name} whose labels include the given pairs. */
        double value(String name, String... labelPairs) {
            Map<Map<String, String>, Double> all = series.get(name);
            assertTrue(all != null, "no metric " + name);
            double sum = 0;
            boolean any = false;
            for (Map.Entry<Map<String, String>, Double> e : all.entrySet()) {
                boolean match = true;
                for (int i = 0; i < labelPairs.length; i += 2) {
                    match &= labelPairs[i + 1].equals(e.getKey().get(labelPairs[i]));
                }
                if (match && !e.getValue().isNaN()) {
                    sum += e.getValue();
                    any = true;
                }
            }
            assertTrue(any, "no series " + name + " with " + String.join(",", labelPairs) + ": " + all.keySet());
            return sum;
        }

        void atLeast(double min, String name, String... labelPairs) {
            double v = value(name, labelPairs);
            assertTrue(v >= min, name + " " + String.join(",", labelPairs) + " = " + v + ", expected at least " + min);
        }
    }
}
