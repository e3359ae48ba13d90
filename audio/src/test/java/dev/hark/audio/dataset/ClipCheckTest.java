package dev.hark.audio.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.hark.audio.Audio;
import dev.hark.audio.SampleFormat;
import dev.hark.audio.dataset.ClipCheck.Flag;

class ClipCheckTest {

    private final ClipCheck check = ClipCheck.defaults();

    private static List<Flag> flags(ClipCheck.Result r) {
        return r.issues().stream().map(ClipCheck.Issue::flag).toList();
    }

    @Test
    void aWordBetweenRoomNoiseIsFine() {
        ClipCheck.Result r = check.check(Audio.mono(new Clips(1).room(100).burst(400, 0.3, 300).room(100).samples(), 8000));
        assertTrue(r.ok(), r.issues().toString());
        assertEquals(1, r.utterances());
        assertEquals(8000, r.sampleRate());
        assertEquals(16, r.bitDepth());
        assertEquals(1, r.channels());
        assertEquals(0.6, r.seconds(), 1e-9);
        assertEquals(20 * Math.log10(0.3), r.peakDbfs(), 0.2);
        assertTrue(r.rmsDbfs() < r.peakDbfs() - 3 && r.rmsDbfs() > -30, "rms " + r.rmsDbfs());
    }

    @Test
    void aWordTrimmedToItsEdgesIsStillOneWord() {
        // what FSDD ships: hardly any room before or after the word
        ClipCheck.Result r = check.check(Audio.mono(new Clips(2).burst(450, 0.2, 250).samples(), 8000));
        assertEquals(List.of(), flags(r));
        assertEquals(1, r.utterances());
    }

    @Test
    void roomNoiseAloneIsSilent() {
        ClipCheck.Result r = check.check(Audio.mono(new Clips(3).room(600).samples(), 8000));
        assertEquals(List.of(Flag.SILENT), flags(r));
        assertEquals(0, r.utterances());
        assertTrue(r.issues().get(0).reason().contains("dBFS"), r.issues().get(0).reason());
        ClipCheck.Result zeros = check.check(Audio.mono(new float[4000], 8000));
        assertEquals(List.of(Flag.SILENT), flags(zeros));
        assertEquals(ClipCheck.FLOOR_DBFS, zeros.peakDbfs());
        assertEquals(ClipCheck.FLOOR_DBFS, zeros.rmsDbfs());
    }

    @Test
    void aSineDrivenPastFullScaleIsClipped() {
        ClipCheck.Result r = check.check(Audio.mono(new Clips(4).room(100).clippedSine(400).room(100).samples(), 8000));
        assertTrue(r.has(Flag.CLIPPED), r.issues().toString());
        assertTrue(r.clippedShare() > 0.3, "share " + r.clippedShare());
        assertEquals(0.0, r.peakDbfs(), 1e-6);
        // a peak-normalized word touches full scale once: not clipping
        float[] normalized = new Clips(5).room(100).burst(400, 0.5, 300).room(100).samples();
        normalized[2000] = 1f;
        assertFalse(check.check(Audio.mono(normalized, 8000)).has(Flag.CLIPPED));
    }

    @Test
    void tooLongAndTooShortUseTheProjectsLimits() {
        ClipCheck.Result longOne = check.check(Audio.mono(new Clips(6).room(300).burst(400, 0.3, 300).room(5000).samples(), 8000));
        assertEquals(List.of(Flag.TOO_LONG), flags(longOne));
        assertTrue(longOne.issues().get(0).reason().contains("over 5 s"), longOne.issues().get(0).reason());
        assertEquals(5.0, ClipCheck.Thresholds.defaults().maxSeconds());

        ClipCheck.Result shortOne = check.check(Audio.mono(new Clips(7).burst(60, 0.3, 300).samples(), 8000));
        assertTrue(shortOne.has(Flag.TOO_SHORT), shortOne.issues().toString());
    }

    @Test
    void twoWordsSeparatedBySilenceAreSeveralUtterances() {
        float[] two = new Clips(8).room(150).burst(350, 0.3, 300).room(600).burst(350, 0.3, 400).room(150).samples();
        ClipCheck.Result r = check.check(Audio.mono(two, 8000));
        assertEquals(2, r.utterances());
        assertEquals(List.of(Flag.SEVERAL_UTTERANCES), flags(r));
        // the same with digital zeros between them (a muted microphone, or an editor's silence)
        float[] zeros = new Clips(9).burst(350, 0.3, 300).zeros(600).burst(350, 0.3, 400).samples();
        assertEquals(2, check.check(Audio.mono(zeros, 8000)).utterances());
    }

    @Test
    void aClickInRoomNoiseIsNoUtterance() {
        float[] x = new Clips(10).room(600).samples();
        for (int i = 2400; i < 2410; i++) {
            x[i] = 0.5f; // 1 ms: loud, but shorter than the segmenter's onset
        }
        ClipCheck.Result r = check.check(Audio.mono(x, 8000));
        assertEquals(List.of(Flag.NO_UTTERANCE), flags(r));
    }

    @Test
    void theFileFormatIsReportedAndTheCountCanBeSkipped() {
        Audio stereo24 = new Audio(new Clips(11).room(100).burst(400, 0.3, 300).room(100).samples(), 8000, 2, SampleFormat.PCM_S24);
        ClipCheck.Result r = new ClipCheck(ClipCheck.Thresholds.defaults().withoutUtteranceCount()).check(stereo24);
        assertEquals(24, r.bitDepth());
        assertEquals("24-bit PCM", r.sampleFormat());
        assertEquals(2, r.channels());
        assertEquals(-1, r.utterances());
        assertTrue(r.ok());
    }
}
