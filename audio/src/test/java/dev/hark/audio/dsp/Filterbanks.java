package dev.hark.audio.dsp;

/** Test views of a {@link MelFilterbank}. */
public final class Filterbanks {
    private Filterbanks() {
    }

    /**
     * The weights as torchaudio returns them, [nFreqs][nMels], read through {@link MelFilterbank#apply}
     * one unit bin at a time (exact: every other product is zero).
     */
    public static float[][] dense(MelFilterbank fb) {
        float[][] out = new float[fb.nFreqs()][fb.nMels()];
        float[] unit = new float[fb.nFreqs()];
        for (int f = 0; f < fb.nFreqs(); f++) {
            unit[f] = 1;
            fb.apply(unit, out[f]);
            unit[f] = 0;
        }
        return out;
    }
}
