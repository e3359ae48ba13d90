package dev.hark.classifier.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

import dev.hark.avro.DeadLetter;
import dev.hark.avro.LogMelFeatures;
import dev.hark.avro.ModelRelease;
import dev.hark.avro.Prediction;
import dev.hark.model.TestModels;
import dev.hark.schemas.Topics;
import dev.hark.schemas.input.InputLimits;
import dev.hark.schemas.registry.InMemorySchemaStore;
import dev.hark.schemas.serde.HarkSerdes;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzes the classifier topology ({@code TopologyTestDriver}, schemas in memory, real ONNX Runtime):
 * feature records and model releases, valid and adversarial (random bytes, other schemas, unknown schema
 * ids, tombstones, huge ids, wrong and overflowing matrix shapes, releases with corrupt ONNX, a wrong
 * digest, another feature configuration), interleaved. Properties: nothing escapes (a bad release never
 * stops the global thread); every feature record ends as exactly one prediction or one dead letter; every
 * record written fits a topic. jqwik prints the seed of a failing try.
 */
class ClassifierFuzzTest {
    static final HarkSerdes serdes = InMemorySchemaStore.serdes();
    static byte[] champion;
    static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");

    enum Fate { PREDICTION, DEAD_LETTER, EITHER }

    /** A record for {@code models} (topic models) or {@code audio.features}. */
    record Input(boolean model, String key, byte[] value, Fate fate, String what) {
        @Override
        public String toString() {
            return (model ? "model " : "features ") + what + " -> " + fate;
        }
    }

    @BeforeContainer
    static void setUp() {
        champion = TestModels.small(1, 1);
    }

    @Property(tries = 25)
    void everyFeatureRecordIsOnePredictionOrOneDeadLetter(@ForAll("streams") List<Input> inputs) {
        ClassifierTopology.Settings settings = ClassifierTopologyTest.withBatch(8, Duration.ofMillis(10));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "classifier-fuzz");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(ClassifierTopology.build(settings, serdes, ClassifierTopology.State.fresh(settings)), props, T0)) {
            TestInputTopic<String, byte[]> features = driver.createInputTopic(Topics.AUDIO_FEATURES.name(),
                    Serdes.String().serializer(), Serdes.ByteArray().serializer(), T0, Duration.ZERO);
            TestInputTopic<String, byte[]> models = driver.createInputTopic(Topics.MODELS.name(),
                    Serdes.String().serializer(), Serdes.ByteArray().serializer(), T0, Duration.ZERO);
            TestOutputTopic<String, byte[]> rawPredictions = driver.createOutputTopic(Topics.AUDIO_PREDICTIONS.name(),
                    Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
            TestOutputTopic<String, byte[]> rawDlq = driver.createOutputTopic(Topics.AUDIO_DLQ.name(),
                    Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
            models.pipeInput("1", encode(Topics.MODELS.name(), ClassifierTopologyTest.release(1, champion, TestModels.CONFIG_ID, true)));
            List<Input> featureInputs = new ArrayList<>();
            for (Input input : inputs) {
                (input.model() ? models : features).pipeInput(input.key(), input.value());
                if (!input.model()) {
                    featureInputs.add(input);
                }
                driver.advanceWallClockTime(Duration.ofMillis(5));
            }
            driver.advanceWallClockTime(Duration.ofSeconds(1));

            Map<Long, Integer> lettersByOffset = new HashMap<>();
            Map<Long, String> reasons = new HashMap<>();
            List<KeyValue<String, byte[]>> letters = rawDlq.readKeyValuesToList();
            for (KeyValue<String, byte[]> kv : letters) {
                assertTrue(kv.value.length < InputLimits.KAFKA_MESSAGE_BYTES / 3, "dead letter of " + kv.value.length + " bytes");
                DeadLetter d = serdes.values(Topics.AUDIO_DLQ).deserializer().deserialize(Topics.AUDIO_DLQ.name(), kv.value);
                assertEquals(Topics.AUDIO_FEATURES.name(), d.getTopic(), "only feature records are dead-lettered: " + d);
                lettersByOffset.merge(d.getOffset(), 1, Integer::sum);
                reasons.merge(d.getOffset(), d.getReason() + ": " + d.getMessage(), (x, y) -> x + " AND " + y);
            }
            Set<String> predicted = new HashSet<>();
            List<KeyValue<String, byte[]>> predictions = rawPredictions.readKeyValuesToList();
            for (KeyValue<String, byte[]> kv : predictions) {
                Prediction p = serdes.values(Topics.AUDIO_PREDICTIONS).deserializer()
                        .deserialize(Topics.AUDIO_PREDICTIONS.name(), kv.value);
                assertTrue(predicted.add(p.getClipId()), "one prediction per clip: " + p.getClipId());
            }
            for (int i = 0; i < featureInputs.size(); i++) {
                Input input = featureInputs.get(i);
                int n = lettersByOffset.getOrDefault((long) i, 0);
                assertTrue(n <= 1, "input " + i + " (" + input + ") has " + n + " dead letters: " + reasons.get((long) i));
                if (input.fate() == Fate.DEAD_LETTER) {
                    assertEquals(1, n, "input " + i + " (" + input + ")");
                } else if (input.fate() == Fate.PREDICTION) {
                    assertTrue(predicted.contains(input.key()), "input " + i + " (" + input + ") is predicted; its dead letter: "
                            + reasons.get((long) i));
                }
            }
            assertEquals(featureInputs.size(), predictions.size() + letters.size(), "one prediction or one dead letter each; "
                    + "predicted " + predicted + ", dead letters " + reasons);
        }
    }

    @Provide
    Arbitrary<List<Input>> streams() {
        return Arbitraries.longs().map(seed -> stream(new Random(seed)));
    }

    static List<Input> stream(Random r) {
        List<Input> out = new ArrayList<>();
        boolean otherModelServing = false;
        int n = 10 + r.nextInt(30);
        for (int i = 0; i < n; i++) {
            if (r.nextInt(6) == 0) {
                Input release = release(r, i);
                otherModelServing |= release.what().equals("another configuration");
                out.add(release);
                continue;
            }
            String id = "clip-" + i;
            LogMelFeatures good = ClassifierTopologyTest.features(id, r.nextBoolean() ? r.nextInt(10) : null,
                    TestModels.CONFIG_ID, ClassifierTopologyTest.matrix(r.nextLong()));
            String t = Topics.AUDIO_FEATURES.name();
            Fate valid = otherModelServing ? Fate.EITHER : Fate.PREDICTION;
            switch (r.nextInt(12)) {
                case 0 -> out.add(new Input(false, id, bytes(r, r.nextInt(4) == 0 ? 500_000 : 30), Fate.DEAD_LETTER, "random bytes"));
                case 1 -> out.add(new Input(false, id, null, Fate.DEAD_LETTER, "tombstone"));
                case 2 -> {
                    byte[] b = bytes(r, 30);
                    b[0] = 0;
                    ByteBuffer.wrap(b, 1, 4).putInt(2_000_000_000 - r.nextInt(1000));
                    out.add(new Input(false, id, b, Fate.DEAD_LETTER, "unknown schema id"));
                }
                case 3 -> out.add(new Input(false, id, encode(Topics.MODELS.name(),
                        ClassifierTopologyTest.release(9, new byte[10], "x", false)), Fate.DEAD_LETTER, "another schema"));
                case 4 -> out.add(new Input(false, id, encode(t, LogMelFeatures.newBuilder(good).setClipId("z".repeat(70_000)).build()),
                        Fate.DEAD_LETTER, "huge clip id"));
                case 5 -> {
                    int mels = new int[] {0, -1, 40, 65_536, Integer.MAX_VALUE}[r.nextInt(5)];
                    int frames = new int[] {-5, 1, 100, 65_536, Integer.MAX_VALUE}[r.nextInt(5)];
                    out.add(new Input(false, id, encode(t, LogMelFeatures.newBuilder(good).setNMels(mels).setNFrames(frames).build()),
                            Fate.DEAD_LETTER, "shape " + mels + "x" + frames));
                }
                case 6 -> out.add(new Input(false, id, encode(t, LogMelFeatures.newBuilder(good)
                        .setLogMel(ByteBuffer.wrap(new byte[r.nextInt(100)])).build()), Fate.DEAD_LETTER, "short matrix"));
                case 7 -> out.add(new Input(false, id, encode(t, LogMelFeatures.newBuilder(good).setFeatureConfigId("lm-other").build()),
                        Fate.DEAD_LETTER, "other features"));
                default -> out.add(new Input(false, id, encode(t, good), valid, "valid"));
            }
        }
        if (otherModelServing) {
            // a record waiting in a batch is scored by the model serving when the batch runs, which may be
            // the other configuration's even for records that arrived before it
            out.replaceAll(in -> in.fate() == Fate.PREDICTION || in.what().equals("other features") ? new Input(false, in.key(), in.value(), Fate.EITHER, in.what()) : in);
        }
        return out;
    }

    static Input release(Random r, int i) {
        String t = Topics.MODELS.name();
        String key = Integer.toString(100 + i);
        return switch (r.nextInt(7)) {
            case 0 -> new Input(true, key, bytes(r, 200), Fate.EITHER, "random bytes");
            case 1 -> new Input(true, key, null, Fate.EITHER, "tombstone");
            case 2 -> new Input(true, key, encode(t, ClassifierTopologyTest.release(100 + i, bytes(r, 5000), TestModels.CONFIG_ID, true)),
                    Fate.EITHER, "corrupt onnx");
            case 3 -> {
                ModelRelease bad = ModelRelease.newBuilder(ClassifierTopologyTest.release(100 + i, champion, TestModels.CONFIG_ID, true))
                        .setOnnxSha256("00").build();
                yield new Input(true, key, encode(t, bad), Fate.EITHER, "wrong digest");
            }
            case 4 -> new Input(true, key, encode(t, ClassifierTopologyTest.release(1, champion, TestModels.CONFIG_ID, true)),
                    Fate.EITHER, "the champion again");
            case 5 -> new Input(true, key, encode(t, ClassifierTopologyTest.release(100 + i, TestModels.onnx(100 + i, "lm-other",
                    dev.hark.model.CnnWeights.random(i, 40, 101, 4, 8)), "lm-other", true)), Fate.EITHER,
                    "another configuration");
            default -> new Input(true, key, encode(t, ClassifierTopologyTest.release(100 + i, champion, TestModels.CONFIG_ID, true)),
                    Fate.EITHER, "version mismatch");
        };
    }

    static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    static byte[] encode(String topic, SpecificRecord record) {
        return serdes.writer().serialize(topic, record);
    }
}
