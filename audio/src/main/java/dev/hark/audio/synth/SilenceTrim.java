package dev.hark.audio.synth;

import java.util.Arrays;

/**
 * Cuts the silence an engine leaves before and after the word. FSDD's recordings are trimmed to the word, with
 * almost nothing around it; synthetic clips trimmed the same way keep "where the word starts" from being a cue that
 * tells the two sets apart.
 */
public final class SilenceTrim {

    /** Analysis frame: 10 ms, the resolution of the cut. */
    static final double FRAME_SECONDS = 0.010;
    /** A frame is speech when its RMS is within this many dB of the loudest frame's. */
    static final double THRESHOLD_DB = 40;
    /** Kept on each side of the speech, so the cut never clips an onset or a fading final consonant. */
    static final double PAD_SECONDS = 0.020;

    private SilenceTrim() {
    }

    /**
     * The part of {@code x} from the first to the last frame of speech, plus {@value #PAD_SECONDS} s each side (less
     * where the clip ends sooner).
     *
     * @throws IllegalArgumentException when there is no sound at all: an engine that spoke nothing
     */
    public static float[] trim(float[] x, int sampleRate) {
        int frame = Math.max(1, (int) Math.round(FRAME_SECONDS * sampleRate));
        int frames = (x.length + frame - 1) / frame;
        double[] rms = new double[frames];
        double loudest = 0;
        for (int f = 0; f < frames; f++) {
            int from = f * frame;
            int to = Math.min(x.length, from + frame);
            double sum = 0;
            for (int i = from; i < to; i++) {
                sum += (double) x[i] * x[i];
            }
            rms[f] = Math.sqrt(sum / (to - from));
            loudest = Math.max(loudest, rms[f]);
        }
        // below one 16-bit step there is nothing to hear, whatever the threshold says
        if (loudest < 1.0 / 32768) {
            throw new IllegalArgumentException("the clip is silent");
        }
        double threshold = loudest * Math.pow(10, -THRESHOLD_DB / 20);
        int first = 0;
        while (rms[first] < threshold) {
            first++;
        }
        int last = frames - 1;
        while (rms[last] < threshold) {
            last--;
        }
        int pad = (int) Math.round(PAD_SECONDS * sampleRate);
        int from = Math.max(0, first * frame - pad);
        int to = Math.min(x.length, (last + 1) * frame + pad);
        return Arrays.copyOfRange(x, from, to);
    }
}
