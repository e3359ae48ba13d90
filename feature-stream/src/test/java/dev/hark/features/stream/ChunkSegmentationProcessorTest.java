package dev.hark.features.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedForward;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.hark.avro.AudioChunk;
import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.audio.segment.Signals;
import dev.hark.features.segment.DeviceAudio;
import dev.hark.schemas.Topics;
import dev.hark.schemas.input.InputLimits;
import dev.hark.schemas.registry.InMemorySchemaStore;
import dev.hark.schemas.serde.HarkSerdes;

/**
 * The segmentation processor alone, under {@link MockProcessorContext}: a real in-memory store, chunks
 * fed by hand, the wall clock set by hand and the punctuator fired by hand; what it forwards is read
 * from the context, clips to the clips sink and dead letters to the dead-letter sink.
 */
class ChunkSegmentationProcessorTest {
    static final HarkSerdes serdes = InMemorySchemaStore.serdes();
    static final Duration PUNCTUATE_EVERY = Duration.ofMillis(100);
    static final int CHUNK_MS = 40;

    final long t0 = Instant.parse("2026-11-22T12:00:00Z").toEpochMilli();
    MockProcessorContext<String, SpecificRecord> context;
    KeyValueStore<String, byte[]> store;
    ChunkSegmentationProcessor processor;
    long offset;

    @BeforeEach
    void init() {
        context = new MockProcessorContext<>();
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ChunkSegmentationProcessor.STORE),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        KeyValueStore<String, byte[]> pieces = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(ChunkSegmentationProcessor.PIECES_STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        pieces.init(context.getStateStoreContext(), pieces);
        context.addStateStore(pieces);
        context.setCurrentSystemTimeMs(t0);
        processor = new ChunkSegmentationProcessor(serdes.reader(Topics.AUDIO_CHUNKS), DeviceAudio.Settings.defaults(),
                PUNCTUATE_EVERY);
        processor.init(context);
    }

    // ---- helpers ----

    /** The one punctuator the processor schedules: on the wall clock, every {@link #PUNCTUATE_EVERY}. */
    CapturedPunctuator punctuator() {
        List<CapturedPunctuator> scheduled = context.scheduledPunctuators();
        assertEquals(1, scheduled.size());
        return scheduled.get(0);
    }

    /** Moves the wall clock to {@code now} and fires the punctuator as Kafka Streams would. */
    void tick(long now) {
        context.setCurrentSystemTimeMs(now);
        punctuator().getPunctuator().punctuate(now);
    }

    AudioChunk chunk(String device, String session, long sequence, long startSample, short[] pcm) {
        long captured = t0 + startSample * 1000 / Signals.RATE;
        return AudioChunk.newBuilder().setDeviceId(device).setSessionId(session).setSequence(sequence)
                .setStartSample(startSample).setSampleRate(Signals.RATE)
                .setPcm(ByteBuffer.wrap(ChunkSegmentationProcessor.toBytes(pcm)))
                .setCapturedAtMs(Instant.ofEpochMilli(captured))
                .setSentAtMs(Instant.ofEpochMilli(captured + CHUNK_MS)).build();
    }

    /** Processes a record read from {@code audio.chunks} at the next offset, at wall-clock {@code now}. */
    void process(String key, byte[] value, long now) {
        context.setCurrentSystemTimeMs(now);
        context.setRecordMetadata(Topics.AUDIO_CHUNKS.name(), 0, offset++);
        processor.process(new Record<>(key, value, now));
    }

    void process(AudioChunk chunk) {
        long now = chunk.getSentAtMs().toEpochMilli();
        process(chunk.getDeviceId(), serdes.writer().serialize(Topics.AUDIO_CHUNKS.name(), chunk), now);
    }

    /** Sends {@code pcm} as 40 ms chunks of one session, each processed when its capture ends; skips chunk indices in {@code lost}. */
    long send(String device, short[] pcm, int... lost) {
        int n = Signals.samples(CHUNK_MS);
        long last = t0;
        for (int i = 0, seq = 0; i < pcm.length; i += n, seq++) {
            final int s = seq;
            if (Arrays.stream(lost).anyMatch(l -> l == s)) {
                continue;
            }
            AudioChunk c = chunk(device, "s1", seq, i, Arrays.copyOfRange(pcm, i, Math.min(pcm.length, i + n)));
            process(c);
            last = c.getSentAtMs().toEpochMilli();
        }
        return last;
    }

    List<AudioClip> clips() {
        return context.forwarded().stream()
                .filter(f -> f.childName().orElseThrow().equals(FeatureStreamTopology.CLIPS_SINK))
                .map(f -> (AudioClip) f.record().value()).toList();
    }

    List<DeadLetter> deadLetters() {
        return context.forwarded().stream()
                .filter(f -> f.childName().orElseThrow().equals(FeatureStreamTopology.DLQ_SINK))
                .map(f -> (DeadLetter) f.record().value()).toList();
    }

    double metric(String name) {
        return context.metrics().metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals(name))
                .mapToDouble(e -> (double) e.getValue().metricValue()).sum();
    }

    // ---- the punctuator ----

    @Test
    void schedulesOneWallClockPunctuator() {
        CapturedPunctuator p = punctuator();
        assertEquals(PUNCTUATE_EVERY, p.getInterval());
        assertEquals(PunctuationType.WALL_CLOCK_TIME, p.getType());
    }

    @Test
    void aNewProcessorOverTheSameStoresKeepsTheOpenWordThroughTheDowntimeAndCutsItWhenTheDeviceHasGone() {
        Signals audio = new Signals().noise(500);
        int word = audio.length();
        audio.word(400);
        long last = send("hall", audio.pcm());
        assertTrue(context.forwarded().isEmpty(), "the word is still open");
        KeyValueStore<String, byte[]> pieces = context.getStateStore(ChunkSegmentationProcessor.PIECES_STORE);
        assertTrue(pieces.approximateNumEntries() > 1, "the open word is in pieces, one per chunk");

        // the task restarts: a new processor, the stores as restored from their changelogs
        MockProcessorContext<String, SpecificRecord> restarted = new MockProcessorContext<>();
        restarted.addStateStore(store);
        restarted.addStateStore(pieces);
        ChunkSegmentationProcessor again = new ChunkSegmentationProcessor(serdes.reader(Topics.AUDIO_CHUNKS),
                DeviceAudio.Settings.defaults(), PUNCTUATE_EVERY);
        long idle = DeviceAudio.Settings.defaults().idleCloseMs();
        long restartAt = last + 5_000; // the service was down for 5 s
        restarted.setCurrentSystemTimeMs(restartAt);
        again.init(restarted);
        // the time it was down is not silence: the word stays open while the device's chunks may still come
        restarted.setCurrentSystemTimeMs(restartAt + idle);
        restarted.scheduledPunctuators().get(0).getPunctuator().punctuate(restartAt + idle);
        assertTrue(restarted.forwarded().isEmpty(), "cut as idle right after a restart: " + restarted.forwarded());
        // no chunk came for many idle times: the device has gone, its open word is cut
        long now = restartAt + ChunkSegmentationProcessor.QUIET_TASK_FACTOR * idle;
        restarted.setCurrentSystemTimeMs(now);
        restarted.scheduledPunctuators().get(0).getPunctuator().punctuate(now);
        List<AudioClip> clips = restarted.forwarded().stream().map(f -> (AudioClip) f.record().value()).toList();
        assertEquals(1, clips.size(), restarted.forwarded().toString());
        AudioClip clip = clips.get(0);
        assertTrue(clip.getStartSample() <= word && clip.getEndSample() >= audio.length() - Signals.samples(60));
        assertArrayEquals(Arrays.copyOfRange(audio.pcm(), (int) (long) clip.getStartSample(), (int) (long) clip.getEndSample()),
                ChunkSegmentationProcessor.toShorts(clip.getPcm()), "the device's own audio, read back from its pieces");
        assertEquals(0, pieces.approximateNumEntries(), "a cut word leaves no pieces");
    }

    @Test
    void aDeviceThatStopsSendingMidWordIsCutByThePunctuator() {
        Signals audio = new Signals().noise(500);
        int word = audio.length();
        audio.word(400); // and then nothing: the device went away while speaking
        long last = send("hall", audio.pcm());
        assertTrue(context.forwarded().isEmpty(), "the word is still open");
        assertTrue(DeviceAudio.fromBytes(store.get("hall"), DeviceAudio.Settings.defaults()).speaking());

        tick(last + 500);
        assertTrue(context.forwarded().isEmpty(), "half a second of quiet is not yet idle");

        tick(last + DeviceAudio.Settings.defaults().idleCloseMs());
        List<AudioClip> clips = clips();
        assertEquals(1, clips.size(), context.forwarded().toString());
        AudioClip clip = clips.get(0);
        assertTrue(clip.getStartSample() <= word && clip.getEndSample() >= audio.length() - Signals.samples(60),
                "the clip holds the word: [" + clip.getStartSample() + "," + clip.getEndSample() + ")");
        assertEquals("hall:s1:" + clip.getStartSample(), clip.getClipId());
        assertArrayEquals(Arrays.copyOfRange(audio.pcm(), (int) (long) clip.getStartSample(), (int) (long) clip.getEndSample()),
                ChunkSegmentationProcessor.toShorts(clip.getPcm()), "the device's own audio");
        CapturedForward<? extends String, ? extends SpecificRecord> forward = context.forwarded().get(0);
        assertEquals(clip.getClipId(), forward.record().key());
        assertEquals(t0 + clip.getStartSample() * 1000 / Signals.RATE, forward.record().timestamp(),
                "the clip's timestamp is the capture time of its first sample");
        assertFalse(DeviceAudio.fromBytes(store.get("hall"), DeviceAudio.Settings.defaults()).speaking(),
                "the store holds the closed state");
        assertEquals(1.0, metric("idle-closes-total"));

        context.resetForwards();
        tick(last + 5_000);
        assertTrue(context.forwarded().isEmpty(), "a cut is forwarded once");
    }

    @Test
    void aLostChunkMidWordIsWaitedForThenFilledByThePunctuator() {
        Signals audio = new Signals().noise(500);
        int word = audio.length();
        audio.word(600).noise(800);
        int lost = (word + Signals.samples(300)) / Signals.samples(CHUNK_MS);
        long last = send("porch", audio.pcm(), lost);
        assertTrue(clips().isEmpty(), "what follows the lost chunk waits for it");

        tick(last + DeviceAudio.Settings.defaults().maxWaitMs());
        List<AudioClip> clips = clips();
        assertEquals(1, clips.size(), "the word stays whole: " + clips);
        assertTrue(clips.get(0).getStartSample() <= word && clips.get(0).getEndSample() >= word + Signals.samples(600));
        assertTrue(deadLetters().isEmpty(), "a lost chunk is no one's fault");
    }

    @Test
    void aGapInTheAudioClosesTheOpenWordAndIsCounted() {
        Signals before = new Signals().noise(500).word(400); // the word is open when the audio breaks off
        long last = send("loft", before.pcm());
        assertTrue(clips().isEmpty());
        long seq = (before.length() + Signals.samples(CHUNK_MS) - 1) / Signals.samples(CHUNK_MS);
        long resume = before.length() + Signals.samples(2000); // the next chunk, two seconds of audio later
        AudioChunk next = chunk("loft", "s1", seq, resume, new Signals().noise(CHUNK_MS).pcm());
        process("loft", serdes.writer().serialize(Topics.AUDIO_CHUNKS.name(), next), last + 40);
        assertEquals(1, clips().size(), "what was heard before the gap is a clip");
        assertTrue(clips().get(0).getEndSample() <= before.length() + Signals.samples(200));
        // a rate-total sensor's total counts record() calls: one per chunk that released a gap, whatever its length
        assertEquals(1.0, metric("gap-samples-total"), "the gap is counted");
        assertTrue(deadLetters().isEmpty());
    }

    @Test
    void aWordFollowedBySilenceIsCutWithoutThePunctuator() {
        Signals audio = new Signals().noise(500).word(400).noise(600);
        send("den", audio.pcm());
        assertEquals(1, clips().size(), "silence heard ends the word");
        assertEquals(1.0, metric("clips-total"));
        assertEquals(0.0, metric("idle-closes-total"));
    }

    @Test
    void duplicatesAreCountedNotDeadLettered() {
        short[] quiet = new Signals().noise(CHUNK_MS).pcm();
        AudioChunk c = chunk("attic", "s1", 0, 0, quiet);
        process(c);
        process(c);
        assertEquals(1.0, metric("duplicate-chunks-total"));
        assertTrue(context.forwarded().isEmpty());
    }

    // ---- dead letters ----

    @Test
    void aChunkThatIsNotAvroIsADeadLetterWithItsOriginalBytes() {
        byte[] junk = "not a chunk".getBytes();
        process("cellar", junk, t0 + 10);
        List<DeadLetter> letters = deadLetters();
        assertEquals(1, letters.size());
        DeadLetter letter = letters.get(0);
        assertEquals(ChunkSegmentationProcessor.STAGE, letter.getStage());
        assertEquals("not-wire-format", letter.getReason());
        assertEquals(Topics.AUDIO_CHUNKS.name(), letter.getTopic());
        assertEquals(0, letter.getPartition());
        assertEquals(0L, letter.getOffset());
        assertArrayEquals(junk, toArray(letter.getOriginalValue()));
        assertEquals("cellar", letter.getDeviceId());
        assertNull(store.get("cellar"), "nothing stored for a record that is not a chunk");
    }

    @Test
    void anInvalidChunkIsADeadLetterWithTheCheckReason() {
        AudioChunk wrongKey = chunk("garage", "s1", 0, 0, new short[320]);
        process("someone-else", serdes.writer().serialize(Topics.AUDIO_CHUNKS.name(), wrongKey), t0);
        AudioChunk noRate = AudioChunk.newBuilder(chunk("garage", "s1", 0, 0, new short[320])).setSampleRate(0).build();
        process(noRate);
        List<DeadLetter> letters = deadLetters();
        assertEquals(List.of("key-not-device-id", "bad-rate"), letters.stream().map(DeadLetter::getReason).toList(),
                letters.toString());
        assertEquals(List.of(0L, 1L), letters.stream().map(DeadLetter::getOffset).toList(), "each at its own offset");
    }

    @Test
    void aSampleJumpIsADeadLetterAndTheSessionGoesOn() {
        short[] quiet = new Signals().noise(CHUNK_MS).pcm();
        process(chunk("yard", "s1", 0, 0, quiet));
        byte[] before = store.get("yard");
        long far = (long) InputLimits.MAX_GAP_SECONDS * Signals.RATE + 10 * quiet.length;
        process(chunk("yard", "s1", 1, far, quiet));
        List<DeadLetter> letters = deadLetters();
        assertEquals(1, letters.size());
        assertEquals("sample-jump", letters.get(0).getReason());
        assertArrayEquals(before, store.get("yard"), "the refused chunk left the device's state as it was");
        process(chunk("yard", "s1", 1, quiet.length, quiet));
        assertEquals(1, deadLetters().size(), "the next chunk in line is taken");
    }

    @Test
    void unusableStoredStateIsADeadLetterAtTheNextTickAndTheDeviceIsReset() {
        byte[] broken = {99, 1, 2, 3};
        store.put("shed", broken);
        tick(t0 + 100);
        List<DeadLetter> letters = deadLetters();
        assertEquals(1, letters.size());
        assertEquals("device-state-error", letters.get(0).getReason());
        assertArrayEquals(broken, toArray(letters.get(0).getOriginalValue()), "the state is kept in the dead letter");
        assertNull(store.get("shed"));
    }

    @Test
    void aDeviceSilentForLongIsForgottenBySweep() {
        process(chunk("passing", "s1", 0, 0, new Signals().noise(CHUNK_MS).pcm()));
        assertNotNull(store.get("passing"));
        tick(t0 + InputLimits.FORGET_DEVICE_AFTER_MS + ChunkSegmentationProcessor.SWEEP_EVERY_MS);
        assertNull(store.get("passing"));
        assertTrue(context.forwarded().isEmpty(), "forgetting a device with nothing open says nothing");
    }

    static byte[] toArray(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
