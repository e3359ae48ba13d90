package dev.hark.features.segment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.hark.audio.segment.Signals;
import dev.hark.audio.segment.Utterance;
import dev.hark.schemas.input.InputLimits;

/**
 * One device's state alone: chunks and the wall clock in, utterances out; its byte form for the state
 * store; gaps filled or cut; a new session; what it refuses (a changed rate, a sample or sequence
 * jump); and its size kept within {@link InputLimits#MAX_DEVICE_STATE_BYTES}.
 */
class DeviceAudioTest {
    static final DeviceAudio.Settings SETTINGS = DeviceAudio.Settings.defaults();
    static final int CHUNK_MS = 40;
    static final int N = Signals.samples(CHUNK_MS);
    static final long T0 = 1_800_000_000_000L;

    /** Feeds {@code pcm} of {@code session} as 40 ms chunks from sample {@code from} (sequence from/N), each when its capture ends. */
    static List<DeviceAudio.Cut> feed(DeviceAudio device, String session, short[] pcm, long from, int... lost) {
        List<DeviceAudio.Cut> cuts = new ArrayList<>();
        for (int i = 0; i < pcm.length; i += N) {
            long start = from + i;
            long seq = start / N;
            if (Arrays.stream(lost).anyMatch(l -> l == seq)) {
                continue;
            }
            short[] part = Arrays.copyOfRange(pcm, i, Math.min(pcm.length, i + N));
            cuts.addAll(device.accept(session, seq, start, Signals.RATE, part, captured(start), captured(start) + CHUNK_MS).cuts());
        }
        return cuts;
    }

    static long captured(long sample) {
        return T0 + sample * 1000 / Signals.RATE;
    }

    static short[] samples(Utterance u) {
        return u.pcm();
    }

    // ---- cutting ----

    @Test
    void aWordBetweenSilencesIsCutWhenTheSilenceIsHeard() {
        DeviceAudio device = new DeviceAudio(SETTINGS);
        Signals audio = new Signals().noise(500);
        int w = audio.length();
        audio.word(400).noise(600);
        List<DeviceAudio.Cut> cuts = feed(device, "s1", audio.pcm(), 0);
        assertEquals(1, cuts.size(), cuts.toString());
        DeviceAudio.Cut cut = cuts.get(0);
        Utterance u = cut.utterance();
        assertTrue(u.startSample() <= w && u.endSample() >= w + Signals.samples(400), "holds the word");
        assertArrayEquals(Arrays.copyOfRange(audio.pcm(), (int) u.startSample(), (int) u.endSample()), samples(u));
        assertEquals("s1", cut.sessionId());
        assertEquals(captured(u.startSample()), cut.capturedAtMs(), "capture time of the utterance's first sample");
        assertFalse(device.speaking());
        assertFalse(device.hasOpenAudio());
    }

    @Test
    void silenceAloneIsNoUtterance() {
        DeviceAudio device = new DeviceAudio(SETTINGS);
        assertTrue(feed(device, "s1", new Signals().noise(3000).pcm(), 0).isEmpty());
        assertTrue(feed(device, "s1", new Signals().zeros(1000).pcm(), new Signals().noise(3000).length()).isEmpty());
    }

    @Test
    void speechLongerThanTheLimitIsCutIntoPieces() {
        DeviceAudio device = new DeviceAudio(SETTINGS);
        Signals audio = new Signals().noise(500).speech(7000).noise(800);
        List<DeviceAudio.Cut> cuts = feed(device, "s1", audio.pcm(), 0);
        assertTrue(cuts.size() >= 3, cuts.size() + " pieces of 7 s");
        long max = Signals.samples(SETTINGS.segmenter().maxUtteranceMs());
        for (DeviceAudio.Cut c : cuts) {
            assertTrue(c.utterance().endSample() - c.utterance().startSample() <= max, "at most maxUtteranceMs each");
        }
    }

    // ---- the wall clock ----

    @Test
    void aDeviceIdleMidWordIsClosedByTheTimerOnlyOnceIdleLongEnoughAndOnlyIfItMayBeIdle() {
        DeviceAudio device = new DeviceAudio(SETTINGS);
        Signals audio = new Signals().noise(500).word(400); // then nothing
        assertTrue(feed(device, "s1", audio.pcm(), 0).isEmpty());
        assertTrue(device.speaking());
        long lastChunk = (audio.length() - 1) / N * N;
        long last = device.lastArrivalMs();
        assertEquals(captured(lastChunk) + CHUNK_MS, last, "when the last chunk arrived");

        assertTrue(device.onTimer(last + SETTINGS.idleCloseMs() - 1).isEmpty(), "not idle yet");
        assertTrue(device.onTimer(last + 10 * SETTINGS.idleCloseMs(), false).isEmpty(),
                "not closed while its next chunks are known to be on their way");
        assertTrue(device.speaking());
        List<DeviceAudio.Cut> cuts = device.onTimer(last + SETTINGS.idleCloseMs());
        assertEquals(1, cuts.size());
        assertFalse(device.speaking());
        assertTrue(device.onTimer(last + 60_000).isEmpty(), "closed once");
    }

    @Test
    void aFreshDeviceHasNothingForTheTimer() {
        DeviceAudio device = new DeviceAudio(SETTINGS);
        assertTrue(device.onTimer(T0).isEmpty());
        assertNull(device.sessionId());
        assertFalse(device.hasOpenAudio());
    }

    // ---- gaps ----

    @Test
    void aShortGapMidWordIsFilledWithSilenceAndTheWordStaysWhole() {
        DeviceAudio device = new DeviceAudio(SETTINGS);
        Signals audio = new Signals().noise(500);
        int w = audio.length();
        audio.word(600).noise(800);
        long lost = (w + Signals.samples(300)) / N;
        List<DeviceAudio.Cut> cuts = feed(device, "s1", audio.pcm(), 0, (int) lost);
        assertTrue(cuts.isEmpty(), "what follows the lost chunk waits for it");
        assertTrue(device.hasOpenAudio());
        cuts = device.onTimer(device.lastArrivalMs() + SETTINGS.maxWaitMs());
        assertEquals(1, cuts.size(), "one word, not two: " + cuts);
        Utterance u = cuts.get(0).utterance();
        assertTrue(u.startSample() <= w && u.endSample() >= w + Signals.samples(600));
        int hole = (int) (lost * N - u.startSample());
        assertTrue(Arrays.equals(new short[N], Arrays.copyOfRange(samples(u), hole, hole + N)), "the gap is silence");
    }

    @Test
    void aLongGapClosesTheOpenWordAndSegmentationResumesAfterIt() {
        DeviceAudio device = new DeviceAudio(SETTINGS);
        Signals first = new Signals().noise(500);
        int w = first.length();
        first.word(400); // the word is open when the audio breaks off
        assertTrue(feed(device, "s1", first.pcm(), 0).isEmpty());
        long resume = first.length() + Signals.samples(2000); // two seconds never arrive
        Signals second = new Signals().noise(500);
        int w2 = second.length();
        second.word(400).noise(600);
        // the next chunk in sequence, but two seconds of samples further on: a gap, not a loss
        List<DeviceAudio.Cut> cuts = new ArrayList<>();
        long seq = (first.length() + N - 1) / N; // the next sequence number
        for (int i = 0; i < second.length(); i += N, seq++) {
            DeviceAudio.Result r = device.accept("s1", seq, resume + i, Signals.RATE,
                    Arrays.copyOfRange(second.pcm(), i, i + N), captured(resume + i), captured(resume + i) + CHUNK_MS);
            if (i == 0) {
                assertEquals(Signals.samples(2000), r.gapSamples(), "the gap is reported in samples");
            }
            cuts.addAll(r.cuts());
        }
        assertEquals(2, cuts.size(), cuts.toString());
        Utterance before = cuts.get(0).utterance();
        assertTrue(before.startSample() <= w && before.endSample() <= first.length() + Signals.samples(SETTINGS.segmenter().postRollMs()),
                "the first clip holds what was heard before the gap: [" + before.startSample() + "," + before.endSample() + ")");
        Utterance after = cuts.get(1).utterance();
        assertTrue(after.startSample() <= resume + w2 && after.endSample() >= resume + w2 + Signals.samples(400),
                "the word after the gap, at its own samples");
        assertEquals(captured(after.startSample()), cuts.get(1).capturedAtMs());
    }

    @Test
    void duplicatesAreReportedAndChangeNothing() {
        DeviceAudio device = new DeviceAudio(SETTINGS);
        short[] pcm = new Signals().noise(CHUNK_MS).pcm();
        assertFalse(device.accept("s1", 0, 0, Signals.RATE, pcm, T0, T0 + 40).duplicate());
        byte[] before = device.toBytes();
        DeviceAudio.Result again = device.accept("s1", 0, 0, Signals.RATE, pcm, T0, T0 + 40);
        assertTrue(again.duplicate());
        assertTrue(again.cuts().isEmpty());
        assertArrayEquals(before, device.toBytes());
    }

    // ---- sessions ----

    @Test
    void aNewSessionClosesWhatTheOldOneHadOpen() {
        DeviceAudio device = new DeviceAudio(SETTINGS);
        Signals audio = new Signals().noise(500).word(400);
        assertTrue(feed(device, "s1", audio.pcm(), 0).isEmpty());
        assertTrue(device.speaking());
        // the device restarted: a new session that starts again from sample 0, at another rate even
        DeviceAudio.Result r = device.accept("s2", 0, 0, 16_000, new short[640], T0 + 5_000, T0 + 5_040);
        assertTrue(r.newSession());
        assertEquals(1, r.cuts().size(), "the open word is cut");
        assertEquals("s1", r.cuts().get(0).sessionId(), "and belongs to the old session");
        assertEquals("s2", device.sessionId());
        assertFalse(device.speaking());
        assertFalse(new DeviceAudio(SETTINGS).accept("s1", 0, 0, Signals.RATE, new short[N], T0, T0).newSession(),
                "a device's first session is not a new one");
    }

    // ---- refusals ----

    @Test
    void aChangedSampleRateWithinASessionIsRefused() {
        DeviceAudio device = new DeviceAudio(SETTINGS);
        device.accept("s1", 0, 0, Signals.RATE, new short[N], T0, T0 + 40);
        DeviceAudio.RejectedChunk e = assertThrows(DeviceAudio.RejectedChunk.class,
                () -> device.accept("s1", 1, N, 16_000, new short[2 * N], T0 + 40, T0 + 80));
        assertEquals("sample-rate-changed", e.reason());
    }

    @Test
    void aSampleJumpIsRefusedAndLeavesTheStateAsItWas() {
        DeviceAudio device = new DeviceAudio(SETTINGS);
        device.accept("s1", 0, 0, Signals.RATE, new short[N], T0, T0 + 40);
        byte[] before = device.toBytes();
        long maxGap = (long) InputLimits.MAX_GAP_SECONDS * Signals.RATE;
        DeviceAudio.RejectedChunk e = assertThrows(DeviceAudio.RejectedChunk.class,
                () -> device.accept("s1", 1, N + maxGap + 1, Signals.RATE, new short[N], T0 + 40, T0 + 80));
        assertEquals("sample-jump", e.reason());
        assertArrayEquals(before, device.toBytes());
        // the longest gap allowed is a gap, not a refusal
        DeviceAudio.Result r = device.accept("s1", 1, N + maxGap, Signals.RATE, new short[N], T0 + 40, T0 + 80);
        assertEquals(maxGap, r.gapSamples());
    }

    @Test
    void aSequenceJumpIsRefused() {
        DeviceAudio device = new DeviceAudio(SETTINGS);
        device.accept("s1", 0, 0, Signals.RATE, new short[N], T0, T0 + 40);
        DeviceAudio.RejectedChunk e = assertThrows(DeviceAudio.RejectedChunk.class,
                () -> device.accept("s1", 1 + InputLimits.MAX_GAP_SECONDS * 100L + 1, N, Signals.RATE, new short[N], T0 + 40, T0 + 80));
        assertEquals("sequence-jump", e.reason());
    }

    @Test
    void aNewSessionMayStartAnywhere() {
        DeviceAudio device = new DeviceAudio(SETTINGS);
        device.accept("s1", 0, 0, Signals.RATE, new short[N], T0, T0 + 40);
        long far = 10L * InputLimits.MAX_GAP_SECONDS * Signals.RATE;
        DeviceAudio.Result r = device.accept("s2", 1_000_000, far, Signals.RATE, new short[N], T0 + 40, T0 + 80);
        assertTrue(r.newSession());
        assertEquals(0, r.gapSamples(), "the first chunk of a session defines where it starts");
    }

    // ---- the byte form ----

    @Test
    void aFreshStateRoundTrips() {
        byte[] bytes = new DeviceAudio(SETTINGS).toBytes();
        DeviceAudio back = DeviceAudio.fromBytes(bytes, SETTINGS);
        assertNull(back.sessionId());
        assertArrayEquals(bytes, back.toBytes());
        assertNull(DeviceAudio.fromBytes(null, SETTINGS).sessionId(), "no stored state: a fresh device");
    }

    @Test
    void aStateStoredMidWordAndWithAChunkWaitingGoesOnExactlyAsIfItHadNeverBeenStored() {
        Signals audio = new Signals().noise(500).word(600).noise(300).word(400).noise(800);
        int half = (audio.length() / 2) / N * N;
        short[] firstHalf = Arrays.copyOf(audio.pcm(), half);
        short[] secondHalf = Arrays.copyOfRange(audio.pcm(), half, audio.length());
        int lost = half / N - 3; // a chunk still missing when the state is stored: two are waiting

        DeviceAudio straight = new DeviceAudio(SETTINGS);
        List<DeviceAudio.Cut> expected = new ArrayList<>(feed(straight, "s1", firstHalf, 0, lost));
        DeviceAudio stored = DeviceAudio.fromBytes(straight.toBytes(), SETTINGS);
        assertEquals(straight.sessionId(), stored.sessionId());
        assertEquals(straight.lastArrivalMs(), stored.lastArrivalMs());
        assertEquals(straight.speaking(), stored.speaking());
        assertEquals(straight.hasOpenAudio(), stored.hasOpenAudio());
        assertTrue(stored.hasOpenAudio(), "the state holds waiting chunks");
        assertArrayEquals(straight.toBytes(), stored.toBytes(), "encode . decode . encode is encode");

        List<DeviceAudio.Cut> rest = feed(straight, "s1", secondHalf, half);
        List<DeviceAudio.Cut> restStored = feed(stored, "s1", secondHalf, half);
        rest.addAll(straight.onTimer(straight.lastArrivalMs() + 60_000));
        restStored.addAll(stored.onTimer(stored.lastArrivalMs() + 60_000));
        expected.addAll(rest);
        assertEquals(describe(rest), describe(restStored));
        assertTrue(expected.size() >= 2, "both words heard: " + describe(expected));
    }

    static List<String> describe(List<DeviceAudio.Cut> cuts) {
        return cuts.stream().map(c -> c.sessionId() + "@" + c.capturedAtMs() + ":" + c.utterance().startSample() + "-"
                + c.utterance().endSample() + "#" + Arrays.hashCode(c.utterance().pcm())).toList();
    }

    @Test
    void damagedStateIsRefusedLoudly() {
        DeviceAudio device = new DeviceAudio(SETTINGS);
        feed(device, "s1", new Signals().noise(500).word(300).pcm(), 0);
        byte[] bytes = device.toBytes();
        assertThrows(UncheckedIOException.class, () -> DeviceAudio.fromBytes(new byte[] {99, 1, 2, 3}, SETTINGS),
                "an unknown format");
        assertThrows(UncheckedIOException.class, () -> DeviceAudio.fromBytes(Arrays.copyOf(bytes, bytes.length / 2), SETTINGS),
                "a truncated state");
        assertThrows(UncheckedIOException.class, () -> DeviceAudio.fromBytes(new byte[0], SETTINGS), "nothing at all");
    }

    // ---- bounds ----

    @Test
    void theStateStaysWithinItsLimitWhateverTheDeviceSends() {
        DeviceAudio device = new DeviceAudio(SETTINGS);
        int rate = InputLimits.MAX_RATE;
        int longest = rate * InputLimits.MAX_CHUNK_SECONDS; // the largest chunk the input checks let through
        Random random = new Random(11);
        short[] loud = new short[longest];
        for (int i = 0; i < loud.length; i++) {
            loud[i] = (short) (8000 * Math.sin(i * 0.05) + random.nextGaussian() * 30);
        }
        long now = T0;
        // endless speech, every second chunk missing: an utterance open at its longest and chunks waiting
        for (long seq = 0; seq < 120; seq++) {
            if (seq % 2 == 1 && seq > 0) {
                continue;
            }
            now += 1000;
            device.accept("s1", seq, seq * longest, rate, loud, now, now);
            int size = device.toBytes().length;
            assertTrue(size <= InputLimits.MAX_DEVICE_STATE_BYTES, "state of " + size + " bytes after chunk " + seq);
        }
        // a flood of chunks far ahead of a missing one: the waiting room is bounded by count and by bytes
        DeviceAudio flooded = new DeviceAudio(SETTINGS);
        flooded.accept("s1", 0, 0, rate, new short[longest], T0, T0);
        for (long seq = 2; seq < 2 + 4L * SETTINGS.maxPendingChunks(); seq++) {
            flooded.accept("s1", seq, seq * longest, rate, new short[longest], T0, T0);
            assertTrue(flooded.toBytes().length <= InputLimits.MAX_DEVICE_STATE_BYTES);
        }
    }
}
