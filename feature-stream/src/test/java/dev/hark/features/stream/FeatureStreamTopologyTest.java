package dev.hark.features.stream;

import dev.hark.schemas.FeatureConfigs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Random;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.hark.avro.AudioChunk;
import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.avro.LogMelFeatures;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dsp.Float32Matrix;
import dev.hark.audio.segment.Signals;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.InMemorySchemaStore;
import dev.hark.schemas.serde.HarkSerdes;

/**
 * The feature stream's topology under {@code TopologyTestDriver}, with the schemas in memory (no
 * registry process): reassembly and segmentation of device chunks (in order, out of order, duplicates, gaps, a device
 * that goes silent or never sends again, speech too long, pure noise), clips to features, and dead
 * letters for what cannot be processed.
 */
class FeatureStreamTopologyTest {
    static final HarkSerdes serdes = InMemorySchemaStore.serdes();

    TopologyTestDriver driver;
    TestInputTopic<String, AudioChunk> chunks;
    TestInputTopic<String, byte[]> rawChunks;
    TestInputTopic<String, AudioClip> clipsIn;
    TestOutputTopic<String, AudioClip> clips;
    TestOutputTopic<String, LogMelFeatures> features;
    TestOutputTopic<String, DeadLetter> dlq;
    final Instant t0 = Instant.parse("2026-11-22T12:00:00Z");


    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "feature-stream-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(FeatureStreamTopology.build(FeatureStreamTopology.Settings.defaults(), serdes),
                props, t0);
        chunks = driver.createInputTopic(Topics.AUDIO_CHUNKS.name(), Serdes.String().serializer(),
                serdes.values(Topics.AUDIO_CHUNKS).serializer());
        rawChunks = driver.createInputTopic(Topics.AUDIO_CHUNKS.name(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        clipsIn = driver.createInputTopic(Topics.AUDIO_CLIPS.name(), Serdes.String().serializer(),
                serdes.values(Topics.AUDIO_CLIPS).serializer());
        clips = driver.createOutputTopic(Topics.AUDIO_CLIPS.name(), Serdes.String().deserializer(),
                serdes.values(Topics.AUDIO_CLIPS).deserializer());
        features = driver.createOutputTopic(Topics.AUDIO_FEATURES.name(), Serdes.String().deserializer(),
                serdes.values(Topics.AUDIO_FEATURES).deserializer());
        dlq = driver.createOutputTopic(Topics.AUDIO_DLQ.name(), Serdes.String().deserializer(),
                serdes.values(Topics.AUDIO_DLQ).deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    // ---- helpers ----

    /** Cuts audio into 40 ms chunks of one device session. */
    static List<AudioChunk> chunk(String device, String session, short[] pcm, int chunkMs, Instant capturedAt) {
        List<AudioChunk> out = new ArrayList<>();
        int n = Signals.samples(chunkMs);
        for (int i = 0, seq = 0; i < pcm.length; i += n, seq++) {
            short[] part = Arrays.copyOfRange(pcm, i, Math.min(pcm.length, i + n));
            out.add(AudioChunk.newBuilder().setDeviceId(device).setSessionId(session).setSequence(seq)
                    .setStartSample(i).setSampleRate(Signals.RATE)
                    .setPcm(ByteBuffer.wrap(ChunkSegmentationProcessor.toBytes(part)))
                    .setCapturedAtMs(capturedAt.plusMillis(i * 1000L / Signals.RATE))
                    .setSentAtMs(capturedAt.plusMillis(i * 1000L / Signals.RATE + chunkMs)).build());
        }
        return out;
    }

    void send(List<AudioChunk> list) {
        for (AudioChunk c : list) {
            chunks.pipeInput(c.getDeviceId(), c, c.getSentAtMs());
        }
    }

    List<AudioClip> deviceClips() {
        // audio.clips also carries what the clips input of a test pipes in; keep the segmenter's
        List<AudioClip> out = new ArrayList<>();
        for (AudioClip c : clips.readValuesToList()) {
            if (c.getDeviceId() != null) {
                out.add(c);
            }
        }
        return out;
    }

    static short[] pcm(AudioClip clip) {
        return ChunkSegmentationProcessor.toShorts(clip.getPcm());
    }

    static void assertHolds(AudioClip clip, short[] stream, int from, int to) {
        assertTrue(clip.getStartSample() <= from && clip.getEndSample() >= to,
                "clip [" + clip.getStartSample() + "," + clip.getEndSample() + ") should hold [" + from + "," + to + ")");
        short[] expected = Arrays.copyOfRange(stream, (int) (long) clip.getStartSample(), (int) (long) clip.getEndSample());
        assertArrayEquals(expected, pcm(clip), "the clip is the device's own audio");
    }

    // ---- reassembly and segmentation ----

    @Test
    void inOrderChunksGiveOneClipPerWord() {
        Signals audio = new Signals().noise(500);
        int w1 = audio.length();
        audio.word(400).noise(600);
        int w2 = audio.length();
        audio.word(500).noise(700);
        send(chunk("kitchen", "s1", audio.pcm(), 40, t0));

        List<AudioClip> got = deviceClips();
        assertEquals(2, got.size(), got.toString());
        assertHolds(got.get(0), audio.pcm(), w1, w1 + Signals.samples(400));
        assertHolds(got.get(1), audio.pcm(), w2, w2 + Signals.samples(500));
        AudioClip first = got.get(0);
        assertEquals("kitchen:s1:" + first.getStartSample(), first.getClipId());
        assertEquals("kitchen", first.getSource());
        assertEquals("s1", first.getSessionId());
        assertEquals(t0.plusMillis(first.getStartSample() * 1000 / Signals.RATE), first.getCapturedAtMs(),
                "capture time of the clip's first sample");
        assertTrue(dlq.isEmpty());
    }

    @Test
    void outOfOrderAndDuplicatedChunksGiveTheSameClips() {
        Signals audio = new Signals().noise(500).word(400).noise(600).word(500).noise(700);
        send(chunk("a", "s1", audio.pcm(), 40, t0));
        List<AudioClip> reference = deviceClips();

        List<AudioChunk> shuffled = chunk("b", "s1", audio.pcm(), 40, t0);
        Random random = new Random(3);
        for (int i = 1; i + 2 < shuffled.size(); i += 3) { // swap neighbours within a small window
            Collections.swap(shuffled, i, i + 1 + random.nextInt(2));
        }
        List<AudioChunk> withDuplicates = new ArrayList<>();
        for (int i = 0; i < shuffled.size(); i++) {
            withDuplicates.add(shuffled.get(i));
            if (i % 5 == 0) {
                withDuplicates.add(shuffled.get(i));
            }
        }
        send(withDuplicates);
        List<AudioClip> got = deviceClips();
        assertEquals(reference.size(), got.size());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(reference.get(i).getStartSample(), got.get(i).getStartSample());
            assertArrayEquals(pcm(reference.get(i)), pcm(got.get(i)));
        }
        assertTrue(dlq.isEmpty(), "duplicates are dropped and counted, not dead-lettered");
        double counted = (double) driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("duplicate-chunks-total"))
                .mapToDouble(e -> (double) e.getValue().metricValue()).sum();
        assertEquals(Math.ceil(shuffled.size() / 5.0), counted, "duplicates counted");
    }

    @Test
    void aLostChunkMidWordIsFilledAndTheWordStaysWhole() {
        Signals audio = new Signals().noise(500);
        int w = audio.length();
        audio.word(600).noise(800);
        List<AudioChunk> list = chunk("d", "s1", audio.pcm(), 40, t0);
        int lost = (w + Signals.samples(300)) / Signals.samples(40);
        AudioChunk missing = list.remove(lost);
        send(list);
        assertTrue(deviceClips().isEmpty(), "the rest waits for the missing chunk");
        driver.advanceWallClockTime(Duration.ofMillis(600));
        List<AudioClip> got = deviceClips();
        assertEquals(1, got.size(), got.toString());
        AudioClip clip = got.get(0);
        assertTrue(clip.getStartSample() <= w && clip.getEndSample() >= w + Signals.samples(600));
        short[] heard = pcm(clip);
        int at = (int) (missing.getStartSample() - clip.getStartSample());
        for (int i = 0; i < Signals.samples(40); i++) {
            assertEquals(0, heard[at + i], "the lost 40 ms are silence in the clip");
        }
        // it arrives after all: too late, counted as a duplicate, not processed twice
        chunks.pipeInput(missing.getDeviceId(), missing);
        assertTrue(deviceClips().isEmpty());
        assertTrue(dlq.isEmpty());
    }

    @Test
    void aLongGapEndsTheOpenUtteranceAndSegmentationResumesAfterIt() {
        Signals audio = new Signals().noise(500);
        int w = audio.length();
        audio.word(800).noise(800);
        int w2 = audio.length();
        audio.word(400).noise(700);
        List<AudioChunk> list = chunk("g", "s1", audio.pcm(), 40, t0);
        int from = (w + Signals.samples(300)) / Signals.samples(40);
        list.subList(from, from + 8).clear(); // 320 ms lost mid-word
        send(list);
        driver.advanceWallClockTime(Duration.ofMillis(600));
        List<AudioClip> got = deviceClips();
        assertTrue(got.size() >= 2, got.toString());
        assertTrue(got.get(0).getEndSample() <= (long) from * Signals.samples(40), "the first part ends at the gap");
        AudioClip last = got.get(got.size() - 1);
        assertHolds(last, audio.pcm(), w2, w2 + Signals.samples(400));
    }

    @Test
    void aDeviceSilentMidWordIsClosedByTheWallClock() {
        Signals audio = new Signals().noise(500);
        int w = audio.length();
        audio.word(600);
        short[] firstHalf = Arrays.copyOf(audio.pcm(), w + Signals.samples(300));
        send(chunk("m", "s1", firstHalf, 40, t0));
        assertTrue(deviceClips().isEmpty());
        driver.advanceWallClockTime(Duration.ofMillis(500));
        assertTrue(deviceClips().isEmpty(), "not yet: the device may just be slow");
        driver.advanceWallClockTime(Duration.ofMillis(600));
        List<AudioClip> got = deviceClips();
        assertEquals(1, got.size());
        assertEquals(firstHalf.length, got.get(0).getEndSample(), "everything heard before it went quiet");
    }

    @Test
    void aDeviceWhoseChunksWaitInABacklogIsNotClosedMidWord() {
        // Under load the task works through a backlog (it processes audio captured seconds ago): one
        // device's next chunks wait further down the partition while other devices' chunks of the same
        // moment are processed, and more than the idle time passes on the wall clock. The word must
        // still come out whole.
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        Signals audio = new Signals().noise(500);
        int w = audio.length();
        audio.word(600).noise(700);
        List<AudioChunk> all = chunk("queued", "s1", audio.pcm(), 40, t0);
        int half = all.size() / 2;
        send(all.subList(0, half));
        long capturedSoFar = half * 40L;
        List<AudioChunk> others = chunk("other", "s1", new Signals().noise(2000).pcm(), 40, t0);
        for (int i = 0; i < 15; i++) {
            driver.advanceWallClockTime(Duration.ofMillis(100));
            AudioChunk c = others.get(Math.min(i, others.size() - 1));
            // chunks of the same moment as "queued"'s last one: the stream has not moved on in capture time
            c = AudioChunk.newBuilder(c).setSequence(i).setStartSample((long) i * Signals.samples(40))
                    .setCapturedAtMs(t0.plusMillis(capturedSoFar - 40)).build();
            chunks.pipeInput(c.getDeviceId(), c, c.getSentAtMs());
        }
        assertTrue(deviceClips().isEmpty(), "1.5 s of wall clock passed, but its audio is still on its way");
        send(all.subList(half, all.size()));
        driver.advanceWallClockTime(Duration.ofSeconds(11));
        List<AudioClip> got = deviceClips();
        assertEquals(1, got.size(), got.toString());
        assertHolds(got.get(0), audio.pcm(), w, w + Signals.samples(600));
    }

    @Test
    void speechLongerThanTheMaximumIsCutIntoContiguousClips() {
        Signals audio = new Signals().noise(300).speech(7000).noise(700);
        send(chunk("long", "s1", audio.pcm(), 100, t0));
        List<AudioClip> got = deviceClips();
        assertEquals(3, got.size(), got.toString());
        assertEquals(got.get(0).getEndSample(), got.get(1).getStartSample());
        assertEquals(got.get(1).getEndSample(), got.get(2).getStartSample());
    }

    @Test
    void pureNoiseGivesNoClips() {
        send(chunk("hiss", "s1", new Signals().noise(6000).pcm(), 50, t0));
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        assertTrue(deviceClips().isEmpty());
        assertTrue(dlq.isEmpty());
    }

    @Test
    void aDeviceThatNeverSendsAgainStillGetsItsLastWordWhileOthersGoOn() {
        Signals gone = new Signals().noise(500);
        int w = gone.length();
        gone.word(400).noise(100); // stops before the hangover has passed
        send(chunk("gone", "s1", gone.pcm(), 40, t0));
        Signals other = new Signals().noise(3000);
        send(chunk("other", "s1", other.pcm(), 40, t0));
        assertTrue(deviceClips().isEmpty());
        driver.advanceWallClockTime(Duration.ofMillis(1200));
        List<AudioClip> got = deviceClips();
        assertEquals(1, got.size());
        assertEquals("gone", got.get(0).getDeviceId());
        assertHolds(got.get(0), gone.pcm(), w, w + Signals.samples(400));
        driver.advanceWallClockTime(Duration.ofSeconds(10));
        assertTrue(deviceClips().isEmpty(), "closed once");
    }

    @Test
    void aNewSessionClosesTheOldOne() {
        Signals audio = new Signals().noise(500);
        int w = audio.length();
        audio.word(600);
        send(chunk("r", "s1", Arrays.copyOf(audio.pcm(), w + Signals.samples(400)), 40, t0));
        send(chunk("r", "s2", new Signals().noise(200).pcm(), 40, t0.plusSeconds(5)));
        List<AudioClip> got = deviceClips();
        assertEquals(1, got.size());
        assertEquals("s1", got.get(0).getSessionId());
    }

    // ---- dead letters ----

    @Test
    void chunksThatCannotBeUsedBecomeDeadLettersWithTheirBytes() {
        byte[] junk = "not avro".getBytes();
        rawChunks.pipeInput("dev-x", junk);
        AudioChunk wrongKey = chunk("dev-y", "s1", new short[80], 10, t0).get(0);
        chunks.pipeInput("someone-else", wrongKey);
        AudioChunk badRate = AudioChunk.newBuilder(wrongKey).setSampleRate(500).build();
        chunks.pipeInput("dev-y", badRate);
        AudioChunk odd = AudioChunk.newBuilder(wrongKey).setPcm(ByteBuffer.wrap(new byte[3])).build();
        chunks.pipeInput("dev-y", odd);
        AudioChunk first = chunk("dev-z", "s1", new short[80], 10, t0).get(0);
        chunks.pipeInput("dev-z", first);
        AudioChunk rateChange = AudioChunk.newBuilder(first).setSequence(1).setStartSample(80).setSampleRate(16000).build();
        chunks.pipeInput("dev-z", rateChange);

        List<DeadLetter> letters = dlq.readValuesToList();
        assertEquals(List.of("not-wire-format", "key-not-device-id", "bad-rate", "truncated", "sample-rate-changed"),
                letters.stream().map(DeadLetter::getReason).toList());
        letters.forEach(l -> assertEquals(ChunkSegmentationProcessor.STAGE, l.getStage()));
        assertEquals(ByteBuffer.wrap(junk), letters.get(0).getOriginalValue());
        assertEquals(Topics.AUDIO_CHUNKS.name(), letters.get(0).getTopic());
        assertEquals(0L, letters.get(0).getOffset());
        assertTrue(letters.get(1).getMessage().contains("someone-else"), letters.get(1).getMessage());
        assertTrue(deviceClips().isEmpty());
    }

    // ---- clips to features ----

    static AudioClip fileClip(String id, short[] pcm, int rate) {
        return AudioClip.newBuilder().setClipId(id).setSource("recordings/" + id + ".wav").setSampleRate(rate)
                .setPcm(ByteBuffer.wrap(ChunkSegmentationProcessor.toBytes(pcm))).setLabel(7).setSpeaker("theo")
                .setCapturedAtMs(Instant.parse("2026-11-22T12:00:00Z"))
                .setClipCreatedAtMs(Instant.parse("2026-11-22T12:00:00.005Z")).build();
    }

    @Test
    void aClipBecomesTheLogMelMatrixTheModelSees() {
        short[] word = new Signals().noise(100).word(500).noise(100).pcm();
        clipsIn.pipeInput("c-1", fileClip("c-1", word, 8000));
        LogMelFeatures f = features.readValue();
        FeatureSpec spec = FeatureSpec.defaults();
        assertEquals("c-1", f.getClipId());
        assertEquals(7, f.getLabel());
        assertEquals("theo", f.getSpeaker());
        assertEquals(spec.id(), f.getFeatureConfigId());
        assertEquals(FeatureConfigs.toAvro(spec), f.getFeatureConfig());
        assertEquals(spec.nMels(), f.getNMels());
        assertEquals(spec.clipFrames(), f.getNFrames());
        float[][] expected = new dev.hark.audio.dsp.LogMelExtractor(spec).features(
                dev.hark.audio.Audio.mono(dev.hark.audio.Pcm16.toFloats(
                        ChunkSegmentationProcessor.toBytes(word)), 8000));
        float[][] got = Float32Matrix.fromBytes(f.getLogMel(), f.getNMels(), f.getNFrames());
        for (int m = 0; m < expected.length; m++) {
            assertArrayEquals(expected[m], got[m], "row " + m);
        }
        assertEquals(Instant.parse("2026-11-22T12:00:00.005Z"), f.getClipCreatedAtMs());
    }

    @Test
    void a48kHzClipIsResampledToTheFeatureRate() {
        Signals at8k = new Signals().noise(100).word(500).noise(100);
        short[] at48k = new short[at8k.length() * 6];
        for (int i = 0; i < at48k.length; i++) {
            at48k[i] = at8k.pcm()[i / 6];
        }
        clipsIn.pipeInput("c-48", fileClip("c-48", at48k, 48000));
        LogMelFeatures f = features.readValue();
        assertEquals(FeatureSpec.defaults().clipFrames(), f.getNFrames());
        assertTrue(dlq.isEmpty());
    }

    @Test
    void clipsThatCannotBeUsedBecomeDeadLetters() {
        clipsIn.pipeInput("bad-rate", fileClip("bad-rate", new short[100], 500));
        clipsIn.pipeInput("empty", fileClip("empty", new short[0], 8000));
        AudioClip odd = AudioClip.newBuilder(fileClip("odd", new short[10], 8000)).setPcm(ByteBuffer.wrap(new byte[5])).build();
        clipsIn.pipeInput("odd", odd);
        List<DeadLetter> letters = dlq.readValuesToList();
        assertEquals(List.of("bad-rate", "empty", "truncated"), letters.stream().map(DeadLetter::getReason).toList());
        assertEquals(List.of("bad-rate", "empty", "odd"), letters.stream().map(DeadLetter::getClipId).toList());
        letters.forEach(l -> assertEquals(ClipFeaturesProcessor.STAGE, l.getStage()));
        assertTrue(features.isEmpty());
        assertNull(letters.get(0).getDeviceId());
    }
}
