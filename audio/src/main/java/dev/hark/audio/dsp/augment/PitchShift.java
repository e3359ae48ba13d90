package dev.hark.audio.dsp.augment;

import dev.hark.audio.Resampler;

/**
 * Pitch change without tempo change: resample (every frequency and the duration scale together), then
 * {@link TimeStretch} back to the original length. Formants move with the pitch, as with a shorter or
 * longer vocal tract; {@code speed} in the trainer does the same without restoring the duration.
 *
 * <p>Why not TarsosDSP's {@code PitchShifter}: it is a phase vocoder whose bins move by an integer
 * index (a 1024-point frame at 8 kHz moves energy in 7.8 Hz steps), it smears transients into the
 * "phasy" sound phase vocoders are known for, and as a streaming processor it delays and fades the clip
 * edges. Resampling with Hark's own {@link Resampler} (flat to 3.36 kHz at 8 kHz, alias-free) plus
 * WSOLA keeps plosives sharp and the clip aligned.
 */
public final class PitchShift {

    private PitchShift() {
    }

    /** Resolution of the pitch ratio: 1 %, about a sixth of a semitone. */
    public static final int RATIO_STEPS = 100;

    /**
     * {@code x} with every frequency multiplied by 2^(semitones/12) rounded to the nearest 1 %, same
     * length. The rounding keeps resampling cheap: ratio k/100 is the rate pair rate·k/100 → rate, whose
     * polyphase filter has at most 100 phases, where an arbitrary ratio at 8 kHz needs thousands (measured:
     * 46 ms per one-second clip with unrounded ratios, most of it building filters).
     */
    public static float[] shift(float[] x, int rate, double semitones) {
        if (Double.isNaN(semitones) || Math.abs(semitones) > 24) {
            throw new IllegalArgumentException("pitch shift must be within ±24 semitones, got " + semitones);
        }
        long k = Math.round(RATIO_STEPS * Math.pow(2, semitones / 12));
        int from = (int) Math.round(rate * (double) k / RATIO_STEPS);
        if (from == rate || x.length == 0) {
            return x.clone();
        }
        // read as if recorded at `from` Hz and played at `rate`: shorter and higher when from > rate
        float[] moved = Resampler.of(from, rate).process(x);
        return TimeStretch.toLength(moved, rate, x.length);
    }
}
