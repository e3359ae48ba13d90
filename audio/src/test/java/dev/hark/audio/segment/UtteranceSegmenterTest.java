package dev.hark.audio.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class UtteranceSegmenterTest {
    static final SegmenterConfig CONFIG = SegmenterConfig.defaults();

    static List<Utterance> feed(UtteranceSegmenter s, short[] pcm, int chunk) {
        List<Utterance> out = new ArrayList<>();
        for (int i = 0; i < pcm.length; i += chunk) {
            out.addAll(s.accept(Arrays.copyOfRange(pcm, i, Math.min(pcm.length, i + chunk))));
        }
        return out;
    }

    @Test
    void wordsSeparatedByQuietBecomeOneUtteranceEach() {
        Signals audio = new Signals().noise(500);
        int w1 = audio.length();
        audio.word(400).noise(500);
        int w2 = audio.length();
        audio.word(600).noise(700);
        List<Utterance> got = feed(new UtteranceSegmenter(CONFIG, Signals.RATE, 0), audio.pcm(), 333);

        assertEquals(2, got.size(), got.toString());
        assertContains(got.get(0), w1, w1 + Signals.samples(400));
        assertContains(got.get(1), w2, w2 + Signals.samples(600));
        got.forEach(u -> assertEquals(Utterance.Ending.SILENCE, u.ending()));
        // the clip's audio is the stream's audio at those positions
        assertEquals(audio.pcm()[(int) got.get(1).startSample() + 100], got.get(1).pcm()[100]);
    }

    @Test
    void pureNoiseGivesNothing() {
        Signals audio = new Signals().noise(5000);
        UtteranceSegmenter s = new UtteranceSegmenter(CONFIG, Signals.RATE, 0);
        assertEquals(List.of(), feed(s, audio.pcm(), 160));
        assertEquals(List.of(), s.flush());
    }

    @Test
    void aShortClickIsNotAWord() {
        Signals audio = new Signals().noise(500).word(20).noise(800);
        assertEquals(List.of(), feed(new UtteranceSegmenter(CONFIG, Signals.RATE, 0), audio.pcm(), 160));
    }

    @Test
    void speechLongerThanTheMaximumIsCutAndContinues() {
        Signals audio = new Signals().noise(300).speech(7000).noise(600);
        List<Utterance> got = feed(new UtteranceSegmenter(CONFIG, Signals.RATE, 0), audio.pcm(), 400);
        assertEquals(3, got.size(), got.toString());
        assertEquals(Utterance.Ending.MAX_LENGTH, got.get(0).ending());
        assertEquals(Utterance.Ending.MAX_LENGTH, got.get(1).ending());
        assertEquals(Signals.samples(CONFIG.maxUtteranceMs()), got.get(0).pcm().length, 0.01 * got.get(0).pcm().length);
        // the pieces are contiguous: nothing lost between them
        assertEquals(got.get(0).endSample(), got.get(1).startSample());
        assertEquals(got.get(1).endSample(), got.get(2).startSample());
    }

    @Test
    void aDeviceThatStopsMidWordIsClosedByFlush() {
        Signals audio = new Signals().noise(400).word(600);
        UtteranceSegmenter s = new UtteranceSegmenter(CONFIG, Signals.RATE, 0);
        short[] firstHalf = Arrays.copyOf(audio.pcm(), Signals.samples(400 + 300));
        assertEquals(List.of(), feed(s, firstHalf, 160));
        assertTrue(s.speaking());
        List<Utterance> flushed = s.flush();
        assertEquals(1, flushed.size());
        assertEquals(Utterance.Ending.FLUSH, flushed.get(0).ending());
        assertEquals(firstHalf.length, flushed.get(0).endSample(), "everything heard up to the stop");
    }

    @Test
    void aPauseShorterThanTheHangoverStaysInsideTheWord() {
        Signals audio = new Signals().noise(500).word(200).noise(150).word(200).noise(600);
        List<Utterance> got = feed(new UtteranceSegmenter(CONFIG, Signals.RATE, 0), audio.pcm(), 80);
        assertEquals(1, got.size(), "a stop closure is not the end of a word: " + got);
    }

    @Test
    void aLouderRoomRaisesTheFloorInsteadOfTalkingForever() {
        Signals audio = new Signals().noise(500).word(400).noise(500);
        // the room gets 20 dB louder for 3 s: at most the first seconds of it may look like speech
        Signals loud = new Signals();
        for (int i = 0; i < 30; i++) {
            loud.word(100); // a steady hum, as loud as speech onsets
        }
        short[] all = concat(audio.pcm(), loud.pcm(), new Signals().noise(600).pcm());
        List<Utterance> got = feed(new UtteranceSegmenter(CONFIG, Signals.RATE, 0), all, 160);
        assertTrue(got.size() <= 3, got.toString());
    }

    @Test
    void stateSurvivesASaveAndRestoreAnywhere() throws Exception {
        Signals audio = new Signals().noise(500).word(500).noise(400).word(300).noise(600);
        List<Utterance> reference = feed(new UtteranceSegmenter(CONFIG, Signals.RATE, 0), audio.pcm(), 100);
        for (int cut : new int[] {1000, 5000, 7100, 9000}) {
            UtteranceSegmenter first = new UtteranceSegmenter(CONFIG, Signals.RATE, 0);
            List<Utterance> got = new ArrayList<>(feed(first, Arrays.copyOf(audio.pcm(), cut), 100));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            first.writeTo(new DataOutputStream(bytes));
            UtteranceSegmenter restored = UtteranceSegmenter.readFrom(
                    new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), CONFIG);
            got.addAll(feed(restored, Arrays.copyOfRange(audio.pcm(), cut, audio.length()), 100));
            assertEquals(reference.size(), got.size(), "cut at " + cut);
            for (int i = 0; i < got.size(); i++) {
                assertEquals(reference.get(i).startSample(), got.get(i).startSample());
                assertTrue(Arrays.equals(reference.get(i).pcm(), got.get(i).pcm()));
            }
        }
    }

    /**
     * The floor kept by sorted insert/remove is exactly the percentile of the window's levels, sorted
     * afresh (the way it used to be computed), frame by frame, across the ring wrapping and a save and
     * restore after it wrapped.
     */
    @Test
    void theNoiseFloorIsThePercentileOfTheWindow() throws Exception {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        int frame = Signals.samples(CONFIG.frameMs());
        int window = CONFIG.floorWindowMs() / CONFIG.frameMs();
        List<Short> seen = new ArrayList<>();
        UtteranceSegmenter s = new UtteranceSegmenter(CONFIG, Signals.RATE, 0);
        for (int f = 0; f < 5 * window; f++) {
            short[] pcm = new short[frame];
            // quiet, loud and digitally silent frames (silence leaves the window alone)
            int amplitude = random.nextInt(10) == 0 ? 0 : random.nextInt(3) == 0 ? 8000 : 30 + random.nextInt(300);
            for (int i = 0; i < frame; i++) {
                pcm[i] = (short) (amplitude == 0 ? 0 : random.nextInt(-amplitude, amplitude + 1));
            }
            s.accept(pcm);
            double db = UtteranceSegmenter.levelDb(pcm, 0, frame);
            if (amplitude > 0) {
                seen.add(UtteranceSegmenter.centiDb(db));
            }
            if (f == 3 * window + 17) { // restore mid-stream, after the ring wrapped
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                s.writeTo(new DataOutputStream(bytes));
                s = UtteranceSegmenter.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), CONFIG);
            }
            if (!seen.isEmpty()) {
                List<Short> last = new ArrayList<>(seen.subList(Math.max(0, seen.size() - window), seen.size()));
                java.util.Collections.sort(last);
                double expected = last.get((int) Math.min(last.size() - 1,
                        Math.floor(CONFIG.floorPercentile() / 100.0 * last.size()))) / 100.0;
                assertEquals(expected, s.floorDb(), 1e-9, "frame " + f);
            }
        }
    }

    static void assertContains(Utterance u, int from, int to) {
        assertTrue(u.startSample() <= from && u.endSample() >= to,
                "utterance [" + u.startSample() + "," + u.endSample() + ") should contain [" + from + "," + to + ")");
        assertTrue(u.startSample() >= from - Signals.samples(300) && u.endSample() <= to + Signals.samples(400),
                "but not much more: " + u.startSample() + ".." + u.endSample());
    }

    static short[] concat(short[]... parts) {
        int n = 0;
        for (short[] p : parts) {
            n += p.length;
        }
        short[] out = new short[n];
        int at = 0;
        for (short[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
