package dev.hark.features.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Random;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.hark.avro.AudioChunk;
import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.avro.LogMelFeatures;
import dev.hark.kafka.DeadLetters;
import dev.hark.schemas.Topics;
import dev.hark.schemas.input.InputLimits;
import dev.hark.schemas.registry.InMemorySchemaStore;
import dev.hark.schemas.serde.HarkSerdes;

/**
 * The single records that each used to stop the feature stream for every device, as reported: each
 * now gets exactly one dead letter, small enough for {@code audio.dlq}, while a valid device streaming
 * alongside is heard throughout.
 */
class PoisonPillRegressionTest {
    static final HarkSerdes serdes = InMemorySchemaStore.serdes();
    final Instant t0 = Instant.parse("2026-12-05T12:00:00Z");
    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> chunks;
    TestInputTopic<String, byte[]> clipsIn;
    TestOutputTopic<String, byte[]> rawDlq;
    TestOutputTopic<String, AudioClip> clips;
    TestOutputTopic<String, LogMelFeatures> features;
    Instant now;
    long okSeq;
    final Random random = new Random(7);


    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "poison-pills");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(FeatureStreamTopology.build(FeatureStreamTopology.Settings.defaults(), serdes),
                props, t0);
        chunks = driver.createInputTopic(Topics.AUDIO_CHUNKS.name(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        clipsIn = driver.createInputTopic(Topics.AUDIO_CLIPS.name(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        rawDlq = driver.createOutputTopic(Topics.AUDIO_DLQ.name(), Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
        clips = driver.createOutputTopic(Topics.AUDIO_CLIPS.name(), Serdes.String().deserializer(),
                serdes.values(Topics.AUDIO_CLIPS).deserializer());
        features = driver.createOutputTopic(Topics.AUDIO_FEATURES.name(), Serdes.String().deserializer(),
                serdes.values(Topics.AUDIO_FEATURES).deserializer());
        now = t0;
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    /** The valid device says one word (1 s: 300 ms silence, 400 ms tone, 300 ms silence) in 100 ms chunks. */
    void validDeviceSpeaks() {
        for (int i = 0; i < 10; i++) {
            boolean loud = i >= 3 && i < 7;
            short[] pcm = new short[800];
            for (int s = 0; s < pcm.length; s++) {
                pcm[s] = (short) (loud ? 8000 * Math.sin((okSeq * 800 + s) * 0.3) : random.nextGaussian() * 5);
            }
            sendChunk(chunk("ok-device", "s1", okSeq, okSeq * 800, 8000, FeatureStreamFuzzTest.pcmBytes(pcm)));
            okSeq++;
        }
    }

    void sendChunk(AudioChunk c) {
        now = now.plusMillis(100);
        driver.advanceWallClockTime(Duration.ofMillis(100));
        chunks.pipeInput(c.getDeviceId(), encode(Topics.AUDIO_CHUNKS.name(), c), now);
    }

    AudioChunk chunk(String device, String session, long seq, long start, int rate, byte[] pcm) {
        return AudioChunk.newBuilder().setDeviceId(device).setSessionId(session).setSequence(seq).setStartSample(start)
                .setSampleRate(rate).setPcm(ByteBuffer.wrap(pcm)).setCapturedAtMs(now).setSentAtMs(now).build();
    }

    static byte[] encode(String topic, org.apache.avro.specific.SpecificRecord r) {
        return serdes.writer().serialize(topic, r);
    }

    /** Every dead letter, each checked to fit the topic with room to spare. */
    List<DeadLetter> deadLetters() {
        return rawDlq.readKeyValuesToList().stream().map((KeyValue<String, byte[]> kv) -> {
            assertTrue(kv.value.length < 300_000, "a dead letter of " + kv.value.length + " bytes");
            assertTrue(kv.key == null || kv.key.length() <= InputLimits.MAX_CLIP_ID_CHARS + 10, "dead letter key " + kv.key.length());
            return serdes.values(Topics.AUDIO_DLQ).deserializer().deserialize(Topics.AUDIO_DLQ.name(), kv.value);
        }).toList();
    }

    void assertValidDeviceHeard() {
        validDeviceSpeaks();
        driver.advanceWallClockTime(Duration.ofSeconds(3));
        List<AudioClip> heard = clips.readValuesToList().stream().filter(c -> "ok-device".equals(c.getDeviceId())).toList();
        assertFalse(heard.isEmpty(), "the valid device's word is a clip");
        assertFalse(features.readValuesToList().isEmpty(), "and has its features");
    }

    @Test
    void aSessionIdOf70000CharactersIsOneDeadLetter() {
        validDeviceSpeaks();
        sendChunk(chunk("hostile", "s".repeat(70_000), 0, 0, 8000, new byte[1600]));
        List<DeadLetter> letters = deadLetters();
        assertEquals(1, letters.size());
        assertEquals("bad-session-id", letters.get(0).getReason());
        assertTrue(letters.get(0).getMessage().length() <= InputLimits.MAX_DEAD_LETTER_MESSAGE_CHARS);
        assertValidDeviceHeard();
    }

    @Test
    void aStartSampleJumpOf2To54IsOneDeadLetterAndAJumpWithinTheLimitsToo() {
        sendChunk(chunk("jumper", "s1", 0, 0, 8000, new byte[1600]));
        sendChunk(chunk("jumper", "s1", 1, (1L << 54) + 800, 8000, new byte[1600]));
        sendChunk(chunk("jumper", "s1", 2, 1L << 41, 8000, new byte[1600]));
        List<DeadLetter> letters = deadLetters();
        assertEquals(List.of("bad-position", "sample-jump"), letters.stream().map(DeadLetter::getReason).toList());
        assertValidDeviceHeard();
    }

    @Test
    void aTwoMegabyteChunkAtRateZeroGivesOneSmallDeadLetterWithTheDigest() {
        byte[] value = encode(Topics.AUDIO_CHUNKS.name(), chunk("big", "s1", 0, 0, 0, new byte[2_000_000]));
        chunks.pipeInput("big", value, now);
        List<DeadLetter> letters = deadLetters();
        assertEquals(1, letters.size());
        DeadLetter d = letters.get(0);
        assertEquals("bad-rate", d.getReason());
        assertNull(d.getOriginalValue(), "over the cap: not kept");
        assertEquals(value.length, d.getOriginalValueSize());
        assertEquals(dev.hark.audio.Digests.sha256(value), d.getOriginalValueSha256());
        assertEquals(Topics.AUDIO_CHUNKS.name(), d.getTopic());
        assertEquals(0L, d.getOffset());
        assertValidDeviceHeard();
    }

    @Test
    void aTwoMegabyteClipAtRateOneGivesOneSmallDeadLetter() {
        AudioClip clip = AudioClip.newBuilder().setClipId("big-clip").setSource("x").setSampleRate(1)
                .setPcm(ByteBuffer.wrap(new byte[2_000_000])).setCapturedAtMs(now).setClipCreatedAtMs(now).build();
        clipsIn.pipeInput("big-clip", encode(Topics.AUDIO_CLIPS.name(), clip));
        List<DeadLetter> letters = deadLetters();
        assertEquals(1, letters.size());
        assertEquals("bad-rate", letters.get(0).getReason());
        assertEquals("big-clip", letters.get(0).getClipId());
        assertValidDeviceHeard();
    }

    @Test
    void a384KilohertzDeviceIsRefusedAndA48KilohertzDeviceSpeaking2_5SecondsStaysWithinItsState() {
        for (int i = 0; i < 25; i++) {
            sendChunk(chunk("studio", "s1", i, i * 38_400L, 384_000, FeatureStreamFuzzTest.pcmBytes(loud(38_400))));
        }
        List<DeadLetter> letters = deadLetters();
        assertEquals(25, letters.size());
        assertTrue(letters.stream().allMatch(d -> d.getReason().equals("bad-rate")));
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(ChunkSegmentationProcessor.STORE);
        assertNull(store.get("studio"), "a refused device has no state");

        for (int i = 0; i < 31; i++) { // 300 ms quiet, 2.5 s of speech, 300 ms quiet
            short[] pcm = i >= 3 && i < 28 ? loud(4_800) : quiet(4_800);
            sendChunk(chunk("mic48", "s1", i, i * 4_800L, 48_000, FeatureStreamFuzzTest.pcmBytes(pcm)));
            byte[] state = store.get("mic48");
            assertTrue(state.length <= InputLimits.MAX_DEVICE_STATE_BYTES, state.length + " bytes of state");
        }
        driver.advanceWallClockTime(Duration.ofSeconds(3));
        assertTrue(deadLetters().isEmpty());
        assertFalse(clips.readValuesToList().isEmpty(), "2.5 s of speech at 48 kHz is heard");
        assertValidDeviceHeard();
    }

    @Test
    void unusableDeviceStateIsDeadLetteredAndTheDeviceStartsAfresh() {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(ChunkSegmentationProcessor.STORE);
        store.put("broken", new byte[] {99, 1, 2, 3});
        sendChunk(chunk("broken", "s1", 0, 0, 8000, new byte[1600]));
        List<DeadLetter> letters = deadLetters();
        assertEquals(1, letters.size());
        assertEquals("device-state-error", letters.get(0).getReason());
        assertTrue(store.get("broken").length > 10, "the chunk started a fresh state");
        assertValidDeviceHeard();
    }

    @Test
    void aNegativeSchemaIdIsTheRecordsFaultNotARegistryOutage() {
        byte[] value = new byte[20];
        ByteBuffer.wrap(value, 1, 4).putInt(-5);
        chunks.pipeInput("negative-id", value, now);
        List<DeadLetter> letters = deadLetters();
        assertEquals(1, letters.size(), "one dead letter, not a stream thread waiting for the registry for ever");
        assertValidDeviceHeard();
    }

    @Test
    void idleDevicesAreForgotten() {
        sendChunk(chunk("passing", "s1", 0, 0, 8000, new byte[1600]));
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(ChunkSegmentationProcessor.STORE);
        assertTrue(store.get("passing") != null);
        driver.advanceWallClockTime(Duration.ofMillis(InputLimits.FORGET_DEVICE_AFTER_MS + ChunkSegmentationProcessor.SWEEP_EVERY_MS));
        assertNull(store.get("passing"), "forgotten after " + InputLimits.FORGET_DEVICE_AFTER_MS + " ms");
    }

    /** A room's low noise: the segmenter hears speech against it (digital zeros say nothing about the room). */
    short[] quiet(int n) {
        short[] s = new short[n];
        for (int i = 0; i < n; i++) {
            s[i] = (short) (random.nextGaussian() * 5);
        }
        return s;
    }

    short[] loud(int n) {
        short[] s = new short[n];
        for (int i = 0; i < n; i++) {
            s[i] = (short) (8000 * Math.sin(i * 0.05) + random.nextGaussian() * 30);
        }
        return s;
    }
}
