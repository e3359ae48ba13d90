package dev.hark.audio.dsp.augment;

/** Level bookkeeping shared by the transforms that colour a clip but are not meant to change its loudness. */
final class Levels {

    private Levels() {
    }

    static double rms(float[] x) {
        double sum = 0;
        for (float v : x) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum / Math.max(1, x.length));
    }

    /**
     * {@code y} scaled in place to the RMS of {@code reference} (loudness is the {@code gain}
     * augmentation's business), then down so no sample exceeds 1: a clip stays a valid signal without
     * clipping distortion.
     */
    static float[] matchRms(float[] reference, float[] y) {
        double ry = rms(y);
        if (ry == 0) {
            return y;
        }
        double g = rms(reference) / ry;
        double peak = 0;
        for (float v : y) {
            peak = Math.max(peak, Math.abs(v));
        }
        if (peak * g > 1) {
            g = 1 / peak;
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) (y[i] * g);
        }
        return y;
    }
}
