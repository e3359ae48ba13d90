package dev.hark.features.segment;

import static dev.hark.features.segment.DeviceAudioTest.N;
import static dev.hark.features.segment.DeviceAudioTest.SETTINGS;
import static dev.hark.features.segment.DeviceAudioTest.captured;
import static dev.hark.features.segment.DeviceAudioTest.describe;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.hark.audio.segment.Signals;

/**
 * The split form the stream stores (a header and the open utterance as pieces): a device stored after
 * every chunk and every tick cuts exactly what one never stored cuts, a chunk writes one piece of its own
 * size, the header does not grow with the utterance, and closed utterances leave no pieces behind.
 */
class DeviceAudioSplitFormTest {

    /** The pieces of one device in a map, counting what is written. */
    static final class MapPieces implements AudioPieces.Store {
        final Map<Integer, byte[]> pieces = new HashMap<>();
        long bytesWritten;

        public byte[] get(int index) {
            return pieces.get(index);
        }

        public void put(int index, byte[] piece) {
            pieces.put(index, piece);
            bytesWritten += piece.length;
        }

        public void delete(int index) {
            pieces.remove(index);
        }
    }

    /** Load, act, save: what the processor does for each chunk and tick. */
    static final class Stored {
        final MapPieces pieces = new MapPieces();
        byte[] header;
        int maxHeader;

        DeviceAudio load() {
            return DeviceAudio.load(header, SETTINGS, pieces);
        }

        void save(DeviceAudio audio) {
            header = audio.encodeHeader();
            audio.savePieces();
            maxHeader = Math.max(maxHeader, header.length);
        }
    }

    @Test
    void storedAfterEveryChunkAndTickItCutsWhatItWouldHaveCutInMemory() {
        // words, a lost chunk mid-word, 3.5 s of speech (cut at the maximum length), a long gap, a new session
        Signals audio = new Signals().noise(500).word(600).noise(400).speech(3_500).noise(400).word(500).noise(300);
        short[] pcm = audio.pcm();
        int lost = (Signals.samples(500) + Signals.samples(300)) / N;
        DeviceAudio straight = new DeviceAudio(SETTINGS);
        Stored stored = new Stored();
        List<DeviceAudio.Cut> expected = new ArrayList<>();
        List<DeviceAudio.Cut> got = new ArrayList<>();
        int timerMayAct = 0;
        int timerSkipped = 0;
        for (int i = 0; i + N <= pcm.length; i += N) {
            long seq = i / N;
            if (seq == lost) {
                continue;
            }
            short[] part = Arrays.copyOfRange(pcm, i, i + N);
            long now = captured(i) + 40;
            expected.addAll(straight.accept("s1", seq, i, Signals.RATE, part, captured(i), now).cuts());
            DeviceAudio d = stored.load();
            long before = stored.pieces.bytesWritten;
            got.addAll(d.accept("s1", seq, i, Signals.RATE, part, captured(i), now).cuts());
            stored.save(d);
            assertTrue(stored.pieces.bytesWritten - before <= 2L * (N + Signals.samples(200)),
                    "a chunk writes about its own audio, not the utterance's");
            if (seq % 3 == 0) {
                expected.addAll(straight.onTimer(now + 20));
                // the processor's timer skips a device whose header says the timer cannot act: check it cannot
                boolean mayAct = DeviceAudio.timerMayAct(stored.header, now + 20, SETTINGS);
                byte[] headerBefore = stored.header;
                DeviceAudio t = stored.load();
                List<DeviceAudio.Cut> cuts = t.onTimer(now + 20);
                got.addAll(cuts);
                stored.save(t);
                if (mayAct) {
                    timerMayAct++;
                } else {
                    assertTrue(cuts.isEmpty());
                    assertArrayEquals(headerBefore, stored.header, "a tick the header rules out changes nothing (chunk " + seq + ")");
                    timerSkipped++;
                }
            }
        }
        assertTrue(timerSkipped > 0 && timerMayAct > 0, "ticks skipped " + timerSkipped + ", acted " + timerMayAct
                + " (chunks held back for the lost one)");
        assertTrue(DeviceAudio.timerMayAct(stored.header, captured(pcm.length) + SETTINGS.idleCloseMs() + 40, SETTINGS),
                "a device quiet for the idle time is the timer's");
        long far = pcm.length + 10L * Signals.RATE; // a gap longer than any fill: closes what is open
        expected.addAll(straight.accept("s1", pcm.length / N + 1000, far, Signals.RATE, new short[N], captured(far), captured(far)).cuts());
        DeviceAudio d = stored.load();
        got.addAll(d.accept("s1", pcm.length / N + 1000, far, Signals.RATE, new short[N], captured(far), captured(far)).cuts());
        stored.save(d);
        expected.addAll(straight.accept("s2", 0, 0, Signals.RATE, new short[N], captured(far) + 100, captured(far) + 100).cuts());
        d = stored.load();
        got.addAll(d.accept("s2", 0, 0, Signals.RATE, new short[N], captured(far) + 100, captured(far) + 100).cuts());
        stored.save(d);

        assertTrue(expected.size() >= 4, describe(expected).toString());
        assertEquals(describe(expected), describe(got));
        assertFalse(stored.load().hasOpenAudio());
        assertTrue(stored.pieces.pieces.isEmpty(), "closed utterances leave no pieces: " + stored.pieces.pieces.keySet());
        // pre-roll, level history and, while one is lost, the chunks waiting for it (up to 500 ms here):
        // bounded whatever the utterance's length
        assertTrue(stored.maxHeader < 16 * 1024, "the header stays small: " + stored.maxHeader + " bytes");
        assertFalse(DeviceAudio.openIn(stored.header, SETTINGS));
        assertEquals(captured(far) + 100, DeviceAudio.lastArrivalIn(stored.header, SETTINGS));
    }

    @Test
    void theWholeStateFormIsReadAndItsOpenAudioBecomesAPiece() {
        Signals audio = new Signals().noise(500).word(600).noise(800);
        short[] pcm = audio.pcm();
        int half = Signals.samples(800) / N * N; // mid-word
        DeviceAudio straight = new DeviceAudio(SETTINGS);
        DeviceAudioTest.feed(straight, "s1", Arrays.copyOf(pcm, half), 0);
        assertTrue(straight.speaking());
        Stored stored = new Stored();
        stored.header = straight.toBytes();
        DeviceAudio migrated = stored.load();
        assertTrue(migrated.speaking());
        stored.save(migrated);
        assertEquals(1, stored.pieces.pieces.size(), "the open audio, as one piece");
        assertTrue(DeviceAudio.openIn(stored.header, SETTINGS));

        List<DeviceAudio.Cut> expected = DeviceAudioTest.feed(straight, "s1", Arrays.copyOfRange(pcm, half, pcm.length), half);
        List<DeviceAudio.Cut> got = new ArrayList<>();
        for (int i = half; i + N <= pcm.length; i += N) {
            DeviceAudio d = stored.load();
            got.addAll(d.accept("s1", i / N, i, Signals.RATE, Arrays.copyOfRange(pcm, i, i + N), captured(i), captured(i) + 40).cuts());
            stored.save(d);
        }
        assertEquals(1, expected.size());
        assertEquals(describe(expected), describe(got));
    }

    @Test
    void aLostPieceIsNoticedWhenTheUtteranceIsCut() {
        Signals audio = new Signals().noise(500).word(600).noise(800);
        short[] pcm = audio.pcm();
        Stored stored = new Stored();
        int i = 0;
        for (; stored.pieces.pieces.size() < 3; i += N) {
            DeviceAudio d = stored.load();
            d.accept("s1", i / N, i, Signals.RATE, Arrays.copyOfRange(pcm, i, i + N), captured(i), captured(i) + 40);
            stored.save(d);
        }
        stored.pieces.delete(1);
        DeviceAudio d = stored.load();
        assertTrue(d.speaking(), "the header alone does not need the pieces");
        assertThrows(AudioPieces.DamagedAudio.class, () -> d.onTimer(Long.MAX_VALUE / 2));
    }
}
