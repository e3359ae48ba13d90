package dev.hark.features.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import dev.hark.avro.AudioChunk;
import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.schemas.Topics;
import dev.hark.schemas.input.InputLimits;
import dev.hark.schemas.registry.InMemorySchemaStore;
import dev.hark.schemas.serde.HarkSerdes;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzes the feature stream's topology (under {@code TopologyTestDriver}, schemas in memory) with
 * random and adversarial chunks and clips mixed into a valid device's stream: random bytes, other
 * schemas, unknown schema ids, tombstones, huge and empty ids, extreme and negative rates, empty,
 * odd and oversized audio, sequence and sample jumps, session storms, duplicates; the wall clock moves
 * at random between records. Properties: no exception escapes; every input ends as exactly one output
 * or exactly one dead letter (chunks: absorbed or one dead letter); every record written fits a topic;
 * every device's state stays within {@link InputLimits#MAX_DEVICE_STATE_BYTES}. jqwik prints the seed
 * of a failing try; re-run it with {@code @Property(seed = "...")}.
 */
class FeatureStreamFuzzTest {
    static final HarkSerdes serdes = InMemorySchemaStore.serdes();
    static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");

    /** What must become of an input. */
    enum Fate { ABSORBED, DEAD_LETTER, EITHER }

    record Input(String key, byte[] value, Fate fate, long advanceMs, String what) {
        @Override
        public String toString() {
            return what + " -> " + fate + " (+" + advanceMs + " ms)";
        }
    }


    TopologyTestDriver driver() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "feature-stream-fuzz");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        // its own state directory: the default one under /tmp is shared by every build on the machine
        try {
            props.put(StreamsConfig.STATE_DIR_CONFIG, java.nio.file.Files.createTempDirectory("feature-stream-fuzz").toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new TopologyTestDriver(FeatureStreamTopology.build(FeatureStreamTopology.Settings.defaults(), serdes),
                props, T0);
    }

    // ---- chunks ----

    @Property(tries = 40)
    void everyChunkIsAbsorbedOrDeadLetteredOnce(@ForAll("chunkStreams") List<Input> inputs) {
        try (TopologyTestDriver driver = driver()) {
            TestInputTopic<String, byte[]> in = driver.createInputTopic(Topics.AUDIO_CHUNKS.name(),
                    Serdes.String().serializer(), Serdes.ByteArray().serializer(), T0, Duration.ZERO);
            TestOutputTopic<String, byte[]> rawDlq = driver.createOutputTopic(Topics.AUDIO_DLQ.name(),
                    Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
            TestOutputTopic<String, byte[]> rawClips = driver.createOutputTopic(Topics.AUDIO_CLIPS.name(),
                    Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
            TestOutputTopic<String, byte[]> rawFeatures = driver.createOutputTopic(Topics.AUDIO_FEATURES.name(),
                    Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
            Instant now = T0;
            for (Input input : inputs) {
                now = now.plusMillis(input.advanceMs());
                driver.advanceWallClockTime(Duration.ofMillis(input.advanceMs()));
                in.pipeInput(input.key(), input.value(), now); // throws if anything escapes a processor
                assertStateBounded(driver);
            }
            driver.advanceWallClockTime(Duration.ofSeconds(5)); // the timer closes what is open

            Map<Long, Integer> lettersByOffset = new HashMap<>();
            for (KeyValue<String, byte[]> kv : rawDlq.readKeyValuesToList()) {
                assertFits(kv);
                DeadLetter letter = serdes.values(Topics.AUDIO_DLQ).deserializer().deserialize(Topics.AUDIO_DLQ.name(), kv.value);
                assertEquals(Topics.AUDIO_CHUNKS.name(), letter.getTopic(), "only chunks are dead-lettered: " + letter);
                lettersByOffset.merge(letter.getOffset(), 1, Integer::sum);
            }
            for (int i = 0; i < inputs.size(); i++) {
                int letters = lettersByOffset.getOrDefault((long) i, 0);
                Input input = inputs.get(i);
                assertTrue(letters <= 1, "input " + i + " (" + input + ") has " + letters + " dead letters");
                if (input.fate() == Fate.DEAD_LETTER) {
                    assertEquals(1, letters, "input " + i + " (" + input + ") must be dead-lettered");
                } else if (input.fate() == Fate.ABSORBED) {
                    assertEquals(0, letters, "input " + i + " (" + input + ") must be taken in");
                }
            }
            rawClips.readKeyValuesToList().forEach(FeatureStreamFuzzTest::assertFits);
            rawFeatures.readKeyValuesToList().forEach(FeatureStreamFuzzTest::assertFits);
        }
    }

    static void assertStateBounded(TopologyTestDriver driver) {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(ChunkSegmentationProcessor.STORE);
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                var kv = all.next();
                assertTrue(kv.value.length <= InputLimits.MAX_DEVICE_STATE_BYTES,
                        "device " + kv.key + " has " + kv.value.length + " bytes of state");
            }
        }
    }

    static void assertFits(KeyValue<String, byte[]> kv) {
        int size = (kv.key == null ? 0 : kv.key.length() * 3) + (kv.value == null ? 0 : kv.value.length);
        assertTrue(size < InputLimits.KAFKA_MESSAGE_BYTES - 4096, "a record of " + size + " bytes does not fit a topic");
    }

    @Provide
    Arbitrary<List<Input>> chunkStreams() {
        return Arbitraries.longs().map(seed -> chunkStream(new Random(seed)));
    }

    /** A valid device's stream with adversarial records mixed in, and other devices' valid and odd chunks. */
    static List<Input> chunkStream(Random r) {
        List<Input> out = new ArrayList<>();
        int n = 20 + r.nextInt(40);
        long okSample = 0;
        long okSeq = 0;
        Map<String, long[]> devices = new HashMap<>(); // device -> {seq, sample}
        for (int i = 0; i < n; i++) {
            long advance = r.nextInt(4) == 0 ? r.nextInt(1500) : 100;
            if (r.nextInt(3) == 0) {
                // the well-behaved device: 100 ms at 8 kHz, tone or silence
                AudioChunk c = chunk("ok-device", "s1", okSeq++, okSample, 8000, tone(r, 800), T0.plusMillis(okSample / 8));
                okSample += 800;
                out.add(new Input(c.getDeviceId(), encode(Topics.AUDIO_CHUNKS.name(), c), Fate.ABSORBED, advance, "valid"));
                continue;
            }
            int d = r.nextInt(4);
            String device = "d" + d;
            long[] pos = devices.computeIfAbsent(device, x -> new long[] {0, 0});
            int rate = new int[] {8000, 16000, 44100, 48000}[d];
            AudioChunk base = chunk(device, "s" + device, pos[0], pos[1], rate, tone(r, rate / 10), T0.plusMillis(i * 100L));
            out.add(mutate(r, base, pos, advance));
        }
        return out;
    }

    static Input mutate(Random r, AudioChunk base, long[] pos, long advance) {
        String key = base.getDeviceId();
        switch (r.nextInt(17)) {
            case 0:
                return new Input(key, randomBytes(r, r.nextInt(5) == 0 ? 300_000 : 64), Fate.DEAD_LETTER, advance, "random bytes");
            case 1:
                return new Input(key, null, Fate.DEAD_LETTER, advance, "tombstone");
            case 2: {
                byte[] b = randomBytes(r, 40);
                b[0] = 0;
                ByteBuffer.wrap(b, 1, 4).putInt(2_000_000_000 - r.nextInt(1000));
                return new Input(key, b, Fate.DEAD_LETTER, advance, "unknown schema id");
            }
            case 3:
                // an AudioClip's schema id (from its own subject) on the chunks topic
                return new Input(key, encode(Topics.AUDIO_CLIPS.name(), clip("c-" + r.nextInt(), 8000, tone(r, 800))),
                        Fate.DEAD_LETTER, advance, "another schema");
            case 4: {
                String huge = "x".repeat(r.nextBoolean() ? 70_000 : InputLimits.MAX_ID_CHARS + 1);
                AudioChunk c = AudioChunk.newBuilder(base).setSessionId(huge).build();
                return new Input(key, encode(Topics.AUDIO_CHUNKS.name(), c), Fate.DEAD_LETTER, advance, "huge session id");
            }
            case 5: {
                AudioChunk c = AudioChunk.newBuilder(base).setDeviceId("").build();
                return new Input("", encode(Topics.AUDIO_CHUNKS.name(), c), Fate.DEAD_LETTER, advance, "empty device id");
            }
            case 6: {
                int rate = new int[] {0, -1, 1, 7_999, 48_001, 384_000, Integer.MAX_VALUE, Integer.MIN_VALUE}[r.nextInt(8)];
                AudioChunk c = AudioChunk.newBuilder(base).setSampleRate(rate).build();
                return new Input(key, encode(Topics.AUDIO_CHUNKS.name(), c), Fate.DEAD_LETTER, advance, "rate " + rate);
            }
            case 7: {
                int bytes = new int[] {0, 1, 801, 2 * 48_001 + 2}[r.nextInt(4)];
                AudioChunk c = AudioChunk.newBuilder(base).setSampleRate(48_000).setPcm(ByteBuffer.wrap(new byte[bytes])).build();
                return new Input(key, encode(Topics.AUDIO_CHUNKS.name(), c), Fate.DEAD_LETTER, advance, "pcm of " + bytes + " bytes");
            }
            case 8: {
                long v = new long[] {-1, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 54, InputLimits.MAX_POSITION}[r.nextInt(5)];
                AudioChunk c = r.nextBoolean() ? AudioChunk.newBuilder(base).setStartSample(v).build()
                        : AudioChunk.newBuilder(base).setSequence(v).build();
                return new Input(key, encode(Topics.AUDIO_CHUNKS.name(), c), Fate.DEAD_LETTER, advance, "position " + v);
            }
            case 9: {
                String other = r.nextBoolean() ? null : "not-" + key;
                return new Input(other, encode(Topics.AUDIO_CHUNKS.name(), base), Fate.DEAD_LETTER, advance, "key " + other);
            }
            case 10: {
                // a jump within the position limits: rejected as a jump, or taken in as a gap
                long jump = (long) (Math.pow(2, r.nextInt(41)));
                AudioChunk c = AudioChunk.newBuilder(base).setStartSample(pos[1] + jump).setSequence(pos[0] + r.nextInt(3)).build();
                return new Input(key, encode(Topics.AUDIO_CHUNKS.name(), c), Fate.EITHER, advance, "jump " + jump);
            }
            case 11: {
                // a session storm: a new session for every chunk
                AudioChunk c = AudioChunk.newBuilder(base).setSessionId("storm-" + r.nextInt()).setSequence(0).setStartSample(0).build();
                return new Input(key, encode(Topics.AUDIO_CHUNKS.name(), c), Fate.EITHER, advance, "new session");
            }
            case 12:
                // a duplicate or a chunk from the past: dropped, or a rate change refused
                return new Input(key, encode(Topics.AUDIO_CHUNKS.name(), AudioChunk.newBuilder(base)
                        .setSequence(Math.max(0, pos[0] - 1)).build()), Fate.EITHER, advance, "repeat");
            case 13: {
                // out of order: a later chunk first
                AudioChunk c = AudioChunk.newBuilder(base).setSequence(pos[0] + 1 + r.nextInt(60))
                        .setStartSample(pos[1] + (long) base.getSampleRate() / 10 * (1 + r.nextInt(60))).build();
                return new Input(key, encode(Topics.AUDIO_CHUNKS.name(), c), Fate.EITHER, advance, "early chunk");
            }
            case 14: {
                AudioChunk c = AudioChunk.newBuilder(base).setDeviceId("bad\u0000id").build();
                return new Input("bad\u0000id", encode(Topics.AUDIO_CHUNKS.name(), c), Fate.DEAD_LETTER, advance, "control char");
            }
            default: {
                pos[0]++;
                pos[1] += base.getPcm().remaining() / 2;
                return new Input(key, encode(Topics.AUDIO_CHUNKS.name(), base), Fate.EITHER, advance, "next chunk");
            }
        }
    }

    // ---- clips ----

    @Property(tries = 30)
    void everyClipIsOneFeatureRecordOrOneDeadLetter(@ForAll("clipStreams") List<Input> inputs) {
        try (TopologyTestDriver driver = driver()) {
            TestInputTopic<String, byte[]> in = driver.createInputTopic(Topics.AUDIO_CLIPS.name(),
                    Serdes.String().serializer(), Serdes.ByteArray().serializer(), T0, Duration.ZERO);
            TestOutputTopic<String, byte[]> rawDlq = driver.createOutputTopic(Topics.AUDIO_DLQ.name(),
                    Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
            TestOutputTopic<String, byte[]> rawFeatures = driver.createOutputTopic(Topics.AUDIO_FEATURES.name(),
                    Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
            for (Input input : inputs) {
                in.pipeInput(input.key(), input.value());
            }
            Map<Long, Integer> lettersByOffset = new HashMap<>();
            List<KeyValue<String, byte[]>> letters = rawDlq.readKeyValuesToList();
            for (KeyValue<String, byte[]> kv : letters) {
                assertFits(kv);
                DeadLetter letter = serdes.values(Topics.AUDIO_DLQ).deserializer().deserialize(Topics.AUDIO_DLQ.name(), kv.value);
                lettersByOffset.merge(letter.getOffset(), 1, Integer::sum);
            }
            List<KeyValue<String, byte[]>> features = rawFeatures.readKeyValuesToList();
            features.forEach(FeatureStreamFuzzTest::assertFits);
            assertEquals(inputs.size(), features.size() + letters.size(), "one output or one dead letter per clip");
            long valid = inputs.stream().filter(i -> i.fate() == Fate.ABSORBED).count();
            assertEquals(valid, features.size(), "every valid clip has its features");
            for (int i = 0; i < inputs.size(); i++) {
                int n = lettersByOffset.getOrDefault((long) i, 0);
                assertEquals(inputs.get(i).fate() == Fate.DEAD_LETTER ? 1 : 0, n, "input " + i + " (" + inputs.get(i) + ")");
            }
        }
    }

    @Provide
    Arbitrary<List<Input>> clipStreams() {
        return Arbitraries.longs().map(seed -> clipStream(new Random(seed)));
    }

    static List<Input> clipStream(Random r) {
        List<Input> out = new ArrayList<>();
        int n = 5 + r.nextInt(15);
        for (int i = 0; i < n; i++) {
            String id = "clip-" + i;
            AudioClip base = clip(id, 8000, tone(r, 4000 + r.nextInt(8000)));
            String t = Topics.AUDIO_CLIPS.name();
            switch (r.nextInt(10)) {
                case 0 -> out.add(new Input(id, randomBytes(r, r.nextInt(3) == 0 ? 2_000_000 : 50), Fate.DEAD_LETTER, 0, "random bytes"));
                case 1 -> out.add(new Input(id, null, Fate.DEAD_LETTER, 0, "tombstone"));
                case 2 -> out.add(new Input(id, encode(t, AudioClip.newBuilder(base).setSampleRate(r.nextBoolean() ? 1 : 0)
                        .setPcm(ByteBuffer.wrap(new byte[r.nextBoolean() ? 2_000_000 : 10])).build()), Fate.DEAD_LETTER, 0, "bad rate"));
                case 3 -> out.add(new Input(id, encode(t, AudioClip.newBuilder(base).setPcm(ByteBuffer.wrap(new byte[801])).build()),
                        Fate.DEAD_LETTER, 0, "odd pcm"));
                case 4 -> out.add(new Input(id, encode(t, AudioClip.newBuilder(base).setClipId("y".repeat(70_000)).build()),
                        Fate.DEAD_LETTER, 0, "huge id"));
                case 5 -> out.add(new Input(id, encode(t, AudioClip.newBuilder(base).setLabel(r.nextBoolean() ? -1 : 10).build()),
                        Fate.DEAD_LETTER, 0, "bad label"));
                case 6 -> out.add(new Input(id, encode(t, AudioClip.newBuilder(base).setPcm(ByteBuffer.wrap(new byte[0])).build()),
                        Fate.DEAD_LETTER, 0, "empty"));
                case 7 -> out.add(new Input(id, encode(Topics.AUDIO_CHUNKS.name(), chunk("d", "s", 0, 0, 8000, tone(r, 800), T0)), Fate.DEAD_LETTER, 0,
                        "another schema"));
                default -> out.add(new Input(id, encode(t, base), Fate.ABSORBED, 0, "valid"));
            }
        }
        return out;
    }

    // ---- records ----

    static AudioChunk chunk(String device, String session, long seq, long start, int rate, short[] pcm, Instant at) {
        return AudioChunk.newBuilder().setDeviceId(device).setSessionId(session).setSequence(seq).setStartSample(start)
                .setSampleRate(rate).setPcm(ByteBuffer.wrap(pcmBytes(pcm))).setCapturedAtMs(at).setSentAtMs(at).build();
    }

    static AudioClip clip(String id, int rate, short[] pcm) {
        return AudioClip.newBuilder().setClipId(id).setSource("fuzz").setSampleRate(rate)
                .setPcm(ByteBuffer.wrap(pcmBytes(pcm))).setCapturedAtMs(T0).setClipCreatedAtMs(T0).build();
    }

    static short[] tone(Random r, int samples) {
        short[] s = new short[samples];
        boolean loud = r.nextBoolean();
        for (int i = 0; i < samples; i++) {
            s[i] = (short) (loud ? 8000 * Math.sin(i * 0.3) + r.nextGaussian() * 50 : r.nextGaussian() * 5);
        }
        return s;
    }

    static byte[] pcmBytes(short[] pcm) {
        ByteBuffer b = ByteBuffer.allocate(pcm.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(pcm);
        return b.array();
    }

    static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    static byte[] encode(String topic, org.apache.avro.specific.SpecificRecord record) {
        return serdes.writer().serialize(topic, record);
    }
}
