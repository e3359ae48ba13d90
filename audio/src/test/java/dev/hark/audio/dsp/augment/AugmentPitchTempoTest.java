package dev.hark.audio.dsp.augment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.hark.audio.dsp.augment.Tones.RATE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PitchShift and TimeStretch on tones whose pitch, length and timing are known. */
class AugmentPitchTempoTest {

    @ParameterizedTest
    @ValueSource(doubles = {4, -4, 1, -2.5})
    void pitchShiftMovesTheToneAndKeepsTheLength(double semitones) {
        float[] x = Tones.burst(200, 0.5, 0.8, 0, 0.8);
        float[] y = PitchShift.shift(x, RATE, semitones);
        assertEquals(x.length, y.length);
        // the ratio is rounded to 1 %: +4 semitones (1.2599) is 1.26, i.e. 252 Hz
        double expected = 200 * Math.round(100 * Math.pow(2, semitones / 12)) / 100.0;
        assertEquals(200 * Math.pow(2, semitones / 12), expected, 1.1, "within 1 % of the exact shift");
        double got = Tones.f0(y, 800, 5600);
        assertEquals(expected, got, expected * 0.01, "f0 after " + semitones + " semitones");
        // WSOLA joins must line the periods up: a misaligned join would leave a dip in the level
        double level = Tones.rms(y, 800, 5600) / Tones.rms(x, 800, 5600);
        assertTrue(level > 0.85 && level < 1.15, "level ratio " + level);
        assertTrue(Tones.amplitude(y, 800, 5600, expected) > 0.45, "energy stays at the shifted frequency");
    }

    @Test
    void pitchShiftOfAVoiceLikeBuzzMovesItsFundamental() {
        float[] x = Tones.buzz(120, 0.4, 1.0);
        float[] y = PitchShift.shift(x, RATE, 4);
        assertEquals(x.length, y.length);
        assertEquals(120 * 1.26, Tones.f0(y, 800, 7200), 1.5);
    }

    @ParameterizedTest
    @ValueSource(doubles = {4, -4})
    void pitchShiftKeepsTheWordWhereItWas(double semitones) {
        // the word fills the clip up to 20 ms from both ends: nothing of it may be lost or delayed
        float[] x = Tones.burst(180, 0.5, 0.5, 0.02, 0.48);
        float[] y = PitchShift.shift(x, RATE, semitones);
        int[] in = Tones.onOff(x, 0.3);
        int[] out = Tones.onOff(y, 0.3);
        // WSOLA places each 30 ms frame within 7.5 ms of its nominal position, and a frame's content is
        // moved, not stretched: an edge lands within about 20 ms of where it was
        assertEquals(in[0], out[0], RATE * 0.02, "onset");
        assertEquals(in[1], out[1], RATE * 0.02, "offset");
        double kept = Tones.energy(y, 0, y.length) / Tones.energy(x, 0, x.length);
        assertTrue(kept > 0.85 && kept < 1.15, "the whole word is there: energy ratio " + kept);
    }

    @ParameterizedTest
    @ValueSource(doubles = {1.2, 0.8, 1.45})
    void tempoChangesDurationNotPitch(double factor) {
        float[] x = Tones.burst(300, 0.5, 1.0, 0.2, 0.7);
        float[] y = TimeStretch.tempo(x, RATE, factor);
        assertEquals(Math.round(x.length / factor), y.length);
        int[] in = Tones.onOff(x, 0.3);
        int[] out = Tones.onOff(y, 0.3);
        double before = (in[1] - in[0]) / (double) RATE;
        double after = (out[1] - out[0]) / (double) RATE;
        assertEquals(before / factor, after, 0.015, "burst duration");
        assertEquals(in[0] / factor, out[0], RATE * 0.02, "the onset moves with the tempo");
        int mid = (out[0] + out[1]) / 2;
        assertEquals(300, Tones.f0(y, mid - 1000, mid + 1000), 3, "pitch kept");
        double level = Tones.rms(y, mid - 1000, mid + 1000) / Tones.rms(x, 3200, 5200);
        assertTrue(level > 0.9 && level < 1.1, "steady level through the joins: " + level);
    }

    @Test
    void unchangedLengthIsACopyAndEmptyInputsAreFine() {
        float[] x = Tones.buzz(150, 0.3, 0.3);
        float[] y = TimeStretch.toLength(x, RATE, x.length);
        assertArrayEquals(x, y);
        assertTrue(x != y, "a copy, never the caller's array");
        assertEquals(0, TimeStretch.toLength(new float[0], RATE, 0).length);
        assertEquals(100, TimeStretch.toLength(new float[0], RATE, 100).length);
        assertEquals(0, PitchShift.shift(new float[0], RATE, 3).length);
        // a clip shorter than one frame still comes back at the asked length
        assertEquals(60, TimeStretch.toLength(Tones.buzz(150, 0.3, 0.005), RATE, 60).length);
        assertArrayEquals(x, PitchShift.shift(x, RATE, 0));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> TimeStretch.tempo(new float[10], RATE, 0));
        assertThrows(IllegalArgumentException.class, () -> TimeStretch.tempo(new float[10], RATE, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> TimeStretch.toLength(new float[10], RATE, -1));
        assertThrows(IllegalArgumentException.class, () -> PitchShift.shift(new float[10], RATE, 30));
    }
}
