package dev.hark.classifier.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.hark.avro.DeadLetter;
import dev.hark.avro.LogMelFeatures;
import dev.hark.avro.ModelRelease;
import dev.hark.avro.Prediction;
import dev.hark.model.TestModels;
import dev.hark.model.inference.DigitModel;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.InMemorySchemaStore;
import dev.hark.schemas.serde.HarkSerdes;

/**
 * The classifier topology under {@code TopologyTestDriver}, with the schemas in memory (no registry
 * process): scoring in micro-batches, a champion swap between two records, refusal of a model made for other features,
 * records held while there is no champion, a champion that fails to load, and dead letters.
 */
class ClassifierTopologyTest {
    static final HarkSerdes serdes = InMemorySchemaStore.serdes();

    final Instant t0 = Instant.parse("2026-11-22T12:00:00Z");
    TopologyTestDriver driver;
    ClassifierTopology.State state;
    TestInputTopic<String, LogMelFeatures> features;
    TestInputTopic<String, byte[]> rawFeatures;
    TestInputTopic<String, ModelRelease> models;
    TestOutputTopic<String, Prediction> predictions;
    TestOutputTopic<String, DeadLetter> dlq;

    /** The default settings with another batch size and wait. */
    static ClassifierTopology.Settings withBatch(int maxBatch, Duration maxWait) {
        ClassifierTopology.Settings d = ClassifierTopology.Settings.defaults();
        return new ClassifierTopology.Settings(maxBatch, maxWait, d.punctuateEvery(), d.model(), d.accuracyWindow(),
                d.holdLogEvery());
    }

    void start(int maxBatch, Duration maxWait) {
        ClassifierTopology.Settings settings = ClassifierTopologyTest.withBatch(maxBatch, maxWait);
        state = ClassifierTopology.State.fresh(settings);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "classifier-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(ClassifierTopology.build(settings, serdes, state), props, t0);
        features = driver.createInputTopic(Topics.AUDIO_FEATURES.name(), Serdes.String().serializer(),
                serdes.values(Topics.AUDIO_FEATURES).serializer());
        rawFeatures = driver.createInputTopic(Topics.AUDIO_FEATURES.name(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        models = driver.createInputTopic(Topics.MODELS.name(), Serdes.String().serializer(),
                serdes.values(Topics.MODELS).serializer());
        predictions = driver.createOutputTopic(Topics.AUDIO_PREDICTIONS.name(), Serdes.String().deserializer(),
                serdes.values(Topics.AUDIO_PREDICTIONS).deserializer());
        dlq = driver.createOutputTopic(Topics.AUDIO_DLQ.name(), Serdes.String().deserializer(),
                serdes.values(Topics.AUDIO_DLQ).deserializer());
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    // ---- helpers ----

    static ModelRelease release(int version, byte[] onnx, String configId, boolean champion) {
        return ModelRelease.newBuilder().setVersion(version).setParentVersion(null)
                .setCreatedAtMs(Instant.parse("2026-11-22T11:00:00Z")).setFeatureConfigId(configId)
                .setFeatureConfig(TestModels.featureConfig()).setOnnx(ByteBuffer.wrap(onnx))
                .setOnnxSha256(dev.hark.audio.Digests.sha256(onnx)).setOutput("probabilities").setChampion(champion)
                .build();
    }

    void publish(int version, byte[] onnx, boolean champion) {
        models.pipeInput(Integer.toString(version), release(version, onnx, TestModels.CONFIG_ID, champion));
    }

    static float[] matrix(long seed) {
        Random random = new Random(seed);
        float[] m = new float[40 * 101];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) random.nextGaussian();
        }
        return m;
    }

    static LogMelFeatures features(String clipId, Integer label, String configId, float[] matrix) {
        ByteBuffer bytes = ByteBuffer.allocate(matrix.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(matrix);
        Instant t = Instant.parse("2026-11-22T12:00:00Z");
        return LogMelFeatures.newBuilder().setClipId(clipId).setSource("test").setDeviceId("dev-1").setLabel(label)
                .setSpeaker("theo").setStartSample(100L).setEndSample(8100L).setSessionId("s1")
                .setFeatureConfigId(configId).setFeatureConfig(TestModels.featureConfig()).setNMels(40).setNFrames(101)
                .setLogMel(bytes).setCapturedAtMs(t).setClipCreatedAtMs(t.plusMillis(5))
                .setFeaturesCreatedAtMs(t.plusMillis(7)).build();
    }

    void send(String clipId, Integer label) {
        features.pipeInput(clipId, features(clipId, label, TestModels.CONFIG_ID, matrix(clipId.hashCode())));
    }

    double metric(String name, Map<String, String> tags) {
        for (Map.Entry<MetricName, ? extends Metric> e : driver.metrics().entrySet()) {
            if (e.getKey().name().equals(name) && e.getKey().tags().entrySet().containsAll(tags.entrySet())) {
                return ((Number) e.getValue().metricValue()).doubleValue();
            }
        }
        throw new AssertionError("no metric " + name + " " + tags + " in " + driver.metrics().keySet().stream()
                .map(MetricName::name).filter(n -> n.startsWith("hark")).toList());
    }

    // ---- tests ----

    @Test
    void scoresFeaturesInMicroBatchesWithTheChampion() {
        start(8, Duration.ofMillis(20));
        byte[] onnx = TestModels.small(1, 1);
        publish(1, onnx, true);
        send("c1", 3);
        send("c2", null);
        send("c3", 7);
        assertTrue(predictions.isEmpty(), "the batch waits up to 20 ms for more records");
        driver.advanceWallClockTime(Duration.ofMillis(25));
        List<Prediction> out = predictions.readValuesToList();
        assertEquals(List.of("c1", "c2", "c3"), out.stream().map(Prediction::getClipId).toList());
        try (DigitModel reference = DigitModel.load(onnx, DigitModel.Options.defaults())) {
            for (Prediction p : out) {
                float[] expected = reference.predict(matrix(p.getClipId().hashCode()));
                float[] actual = new float[10];
                for (int d = 0; d < 10; d++) {
                    actual[d] = p.getProbabilities().get(d);
                }
                assertArrayEquals(expected, actual, 1e-6f);
                int argmax = 0;
                for (int d = 1; d < 10; d++) {
                    argmax = expected[d] > expected[argmax] ? d : argmax;
                }
                assertEquals(argmax, p.getDigit());
                assertEquals(expected[argmax], p.getConfidence(), 1e-6f);
                assertEquals(1, p.getModelVersion());
                assertEquals(TestModels.CONFIG_ID, p.getFeatureConfigId());
                assertEquals("dev-1", p.getDeviceId());
                assertEquals("theo", p.getSpeaker());
                assertEquals("s1", p.getSessionId());
                assertEquals(100L, p.getStartSample());
                assertEquals(8100L, p.getEndSample());
                assertEquals(Instant.parse("2026-11-22T12:00:00Z"), p.getCapturedAtMs());
                assertEquals(Instant.parse("2026-11-22T12:00:00.007Z"), p.getFeaturesCreatedAtMs());
                assertEquals(t0.plusMillis(25), p.getPredictedAtMs());
            }
        }
        assertEquals(3, out.get(0).getLabel());
        assertNull(out.get(1).getLabel());
        assertEquals(3.0, metric("hark-predictions-total", Map.of()));
        assertEquals(3.0, metric("hark-batch-size-max", Map.of()));
        double accuracy = metric("hark-online-accuracy", Map.of("model-version", "1"));
        assertEquals(state.accuracy().accuracy(1), accuracy);
        assertEquals(2, state.accuracy().of(1).orElseThrow().count(), "two labeled predictions");
        assertEquals(1.0, metric("hark-champion-version", Map.of()));
        assertTrue(dlq.isEmpty());
    }

    @Test
    void aFullBatchGoesAtOnce() {
        start(4, Duration.ofSeconds(10));
        publish(1, TestModels.small(1, 1), true);
        for (int i = 0; i < 9; i++) {
            send("c" + i, i);
        }
        assertEquals(8, predictions.readValuesToList().size(), "two full batches of 4; the ninth waits");
        driver.advanceWallClockTime(Duration.ofSeconds(11));
        assertEquals(List.of("c8"), predictions.readValuesToList().stream().map(Prediction::getClipId).toList());
    }

    @Test
    void aNewChampionTakesOverBetweenTwoRecordsAndTheOldSessionCloses() {
        start(1, Duration.ZERO);
        publish(1, TestModels.small(1, 1), true);
        DigitModel v1 = state.slot().acquire().orElseThrow();
        v1.release();
        send("a", 1);
        send("b", 2);
        publish(2, TestModels.small(2, 2), false);
        send("c", 3);
        publish(2, TestModels.small(2, 2), true);
        send("d", 4);
        send("e", 5);
        assertTrue(v1.isSessionClosed(), "version 1 is closed once replaced and no batch uses it");
        List<Prediction> out = predictions.readValuesToList();
        assertEquals(List.of("a", "b", "c", "d", "e"), out.stream().map(Prediction::getClipId).toList());
        assertEquals(List.of(1, 1, 1, 2, 2), out.stream().map(Prediction::getModelVersion).toList());
        assertEquals(1.0, metric("hark-model-swaps-total", Map.of()) - 1.0, "two swaps: none -> 1 -> 2");
        // promoting the serving version again changes nothing; promoting 1 again rolls back
        publish(2, TestModels.small(2, 2), true);
        send("f", 6);
        publish(1, TestModels.small(1, 1), true);
        send("g", 7);
        assertEquals(List.of(2, 1), predictions.readValuesToList().stream().map(Prediction::getModelVersion).toList());
    }

    @Test
    void aModelForOtherFeaturesIsRefusedForThoseRecords() {
        start(1, Duration.ZERO);
        byte[] onnx = TestModels.onnx(1, "lm-other", dev.hark.model.CnnWeights.random(1, 40, 101, 4, 8));
        models.pipeInput("1", release(1, onnx, "lm-other", true));
        LogMelFeatures f = features("x", 1, TestModels.CONFIG_ID, matrix(1));
        byte[] original = serdes.values(Topics.AUDIO_FEATURES).serializer().serialize(Topics.AUDIO_FEATURES.name(), f);
        rawFeatures.pipeInput("x", original);
        assertTrue(predictions.isEmpty());
        DeadLetter dead = dlq.readValue();
        assertEquals("classifier-stream.features", dead.getStage());
        assertEquals("config-mismatch", dead.getReason());
        assertTrue(dead.getMessage().contains("lm-other") && dead.getMessage().contains(TestModels.CONFIG_ID), dead.getMessage());
        assertEquals("x", dead.getClipId());
        assertEquals(Topics.AUDIO_FEATURES.name(), dead.getTopic());
        assertEquals(0L, dead.getOffset());
        assertArrayEquals(original, bytes(dead.getOriginalValue()));
        assertEquals(1.0, metric("hark-config-mismatches-total", Map.of()));
    }

    @Test
    void withoutAChampionRecordsAreHeldThenScoredInOrder() {
        start(4, Duration.ofMillis(10));
        for (int i = 0; i < 10; i++) {
            send("h" + i, i);
        }
        publish(1, TestModels.small(1, 1), false); // published, but not champion
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        assertTrue(predictions.isEmpty(), "nothing to score with");
        assertTrue(dlq.isEmpty(), "held, not dropped");
        assertEquals(10.0, metric("hark-held-records", Map.of()));
        publish(1, TestModels.small(1, 1), true);
        driver.advanceWallClockTime(Duration.ofMillis(10));
        List<Prediction> out = predictions.readValuesToList();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            expected.add("h" + i);
        }
        assertEquals(expected, out.stream().map(Prediction::getClipId).toList());
        assertEquals(0.0, metric("hark-held-records", Map.of()));
        assertEquals(4.0, metric("hark-batch-size-max", Map.of()), "held records are scored in batches of maxBatch");
        send("after", 1);
        driver.advanceWallClockTime(Duration.ofMillis(10));
        assertEquals(List.of("after"), predictions.readValuesToList().stream().map(Prediction::getClipId).toList());
    }

    @Test
    void aChampionThatFailsToLoadLeavesTheOldOneServing() {
        start(1, Duration.ZERO);
        byte[] garbage = "this is not an ONNX model".getBytes();
        publish(7, garbage, true); // nothing serving yet: records are held
        send("a", 1);
        assertTrue(predictions.isEmpty());
        assertEquals(1.0, metric("hark-model-load-failures-total", Map.of()));
        publish(1, TestModels.small(1, 1), true);
        send("b", 2);
        publish(2, garbage, true);
        ModelRelease badSha = release(3, TestModels.small(3, 3), TestModels.CONFIG_ID, true);
        badSha.setOnnxSha256("00");
        models.pipeInput("3", badSha);
        send("c", 3);
        List<Prediction> out = predictions.readValuesToList();
        assertEquals(List.of("a", "b", "c"), out.stream().map(Prediction::getClipId).toList());
        assertEquals(List.of(1, 1, 1), out.stream().map(Prediction::getModelVersion).toList());
        assertEquals(3.0, metric("hark-model-load-failures-total", Map.of()));
        assertEquals(1, state.slot().version().orElseThrow());
    }

    @Test
    void recordsThatCannotBeUsedBecomeDeadLetters() {
        start(1, Duration.ZERO);
        publish(1, TestModels.small(1, 1), true);
        rawFeatures.pipeInput("junk", "not avro".getBytes());
        DeadLetter dead = dlq.readValue();
        assertEquals("not-wire-format", dead.getReason());
        assertArrayEquals("not avro".getBytes(), bytes(dead.getOriginalValue()));

        LogMelFeatures small = features("tiny", null, TestModels.CONFIG_ID, new float[40 * 50]);
        small.setNFrames(50);
        features.pipeInput("tiny", small);
        dead = dlq.readValue();
        assertEquals("shape-mismatch", dead.getReason());
        assertTrue(dead.getMessage().contains("40x50"), dead.getMessage());
        models.pipeInput("9", (ModelRelease) null);
        send("ok", 1);
        assertEquals(1, predictions.readValuesToList().size());
        assertFalse(metric("hark-dead-letters-total", Map.of()) < 2);
    }

    static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
