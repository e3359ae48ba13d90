package dev.hark.audio.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@link SilenceTrim} and the level limit on signals whose answer is known. */
class SynthTrimTest {

    private static float[] toneBetweenSilences(double before, double tone, double after, double amplitude) {
        int rate = 8000;
        float[] x = new float[(int) Math.round((before + tone + after) * rate)];
        int from = (int) Math.round(before * rate);
        int to = from + (int) Math.round(tone * rate);
        for (int i = from; i < to; i++) {
            x[i] = (float) (amplitude * Math.sin(2 * Math.PI * 300 * i / rate));
        }
        return x;
    }

    @Test
    void keepsTheSoundAndTwentyMillisecondsEachSide() {
        float[] x = toneBetweenSilences(0.3, 0.2, 0.4, 0.5);
        float[] y = SilenceTrim.trim(x, 8000);
        assertEquals(0.2 + 2 * SilenceTrim.PAD_SECONDS, y.length / 8000.0, 0.011);
        assertEquals(0f, y[0], "starts in the padding");
        assertEquals(0f, y[y.length - 1], "ends in the padding");
    }

    @Test
    void soundAtTheEdgesIsKept() {
        float[] x = toneBetweenSilences(0, 0.25, 0, 0.5);
        assertEquals(x.length, SilenceTrim.trim(x, 8000).length);
    }

    @Test
    void aSilentClipIsAnError() {
        assertEquals("the clip is silent",
                assertThrows(IllegalArgumentException.class, () -> SilenceTrim.trim(new float[4000], 8000)).getMessage());
    }

    @Test
    void onlyClipsLouderThanTheLimitAreScaled() {
        float[] quiet = toneBetweenSilences(0, 0.1, 0, 0.5);
        assertSame(quiet, Synthesizer.limit(quiet));
        float[] loud = toneBetweenSilences(0, 0.1, 0, 1.0);
        float peak = 0;
        for (float v : Synthesizer.limit(loud)) {
            peak = Math.max(peak, Math.abs(v));
        }
        assertEquals(Synthesizer.MAX_PEAK, peak, 1e-6);
    }
}
