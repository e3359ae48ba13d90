package dev.hark.audio.dsp.augment;

import java.util.random.RandomGenerator;

/**
 * A synthetic room: the clip convolved with an impulse response made of a direct path, a few early
 * reflections and an exponentially decaying diffuse tail of Gaussian noise (the statistical model of
 * late reverberation), mixed at a given direct-to-reverberant ratio and brought back to the input's
 * level.
 *
 * <p>Real measured rooms would be better, but FSDD has none and a synthetic tail already teaches the
 * model that smeared energy after a word, and notches in the spectrum, are not part of the digit.
 */
public final class Reverb {

    /** Shortest and longest RT60 that {@link #random} draws, seconds: a small furnished room to a bare office. */
    public static final double RT60_MIN = 0.1;
    public static final double RT60_MAX = 0.6;
    /** Direct-to-reverberant ratio range of {@link #random}, dB: from a far microphone to a near one. */
    public static final double DRR_MIN_DB = -3;
    public static final double DRR_MAX_DB = 12;

    /** Below this many dB the tail is cut: its contribution is under the 16-bit floor of a clip anyway. */
    static final double TAIL_DB = 60;

    /**
     * One room.
     *
     * @param rt60Sec        time for the diffuse tail to decay by 60 dB
     * @param drrDb          energy of the direct path over the energy of everything after it
     * @param firstReflectionSec delay of the first reflection (and of the start of the diffuse tail)
     * @param reflections    number of discrete early reflections
     * @param noiseSeed      seed of the response's own random stream (reflection delays, signs, tail noise)
     */
    public record Room(double rt60Sec, double drrDb, double firstReflectionSec, int reflections, long noiseSeed) {

        public Room {
            if (!(rt60Sec > 0 && rt60Sec <= 5)) {
                throw new IllegalArgumentException("rt60 must be in (0, 5] s, got " + rt60Sec);
            }
            if (Double.isNaN(drrDb) || Double.isInfinite(drrDb)) {
                throw new IllegalArgumentException("direct-to-reverberant ratio must be finite");
            }
            if (!(firstReflectionSec >= 0 && firstReflectionSec < rt60Sec)) {
                throw new IllegalArgumentException("first reflection must be in [0, rt60), got " + firstReflectionSec);
            }
        }
    }

    private Reverb() {
    }

    /**
     * A room drawn from {@code rnd}: RT60 uniform in [{@value #RT60_MIN}, {@value #RT60_MAX}] s, DRR
     * uniform in [{@value #DRR_MIN_DB}, {@value #DRR_MAX_DB}] dB, first reflection 2–15 ms (a source
     * 0.7–5 m from the nearest wall), 3–6 early reflections.
     */
    public static Room random(RandomGenerator rnd) {
        double rt60 = RT60_MIN + rnd.nextDouble() * (RT60_MAX - RT60_MIN);
        double drr = DRR_MIN_DB + rnd.nextDouble() * (DRR_MAX_DB - DRR_MIN_DB);
        double first = 0.002 + rnd.nextDouble() * 0.013;
        int reflections = 3 + rnd.nextInt(4);
        return new Room(rt60, drr, first, reflections, rnd.nextLong());
    }

    /**
     * The room's impulse response at {@code rate}: 1 at sample 0 (the direct path), then the
     * reverberant part scaled to the room's DRR; it ends where the tail is {@value #TAIL_DB} dB down.
     */
    public static float[] impulseResponse(Room room, int rate) {
        double decayPerSample = 3 * Math.log(10) / (room.rt60Sec() * rate); // amplitude e^(-k n): -60 dB at rt60
        int length = Math.max(2, (int) Math.ceil(TAIL_DB / 60 * room.rt60Sec() * rate));
        double[] rev = new double[length];
        // its own stream, from the room's seed: the response depends on the room alone, not on how many
        // numbers the caller drew before
        java.util.SplittableRandom r = new java.util.SplittableRandom(room.noiseSeed());
        int first = Math.max(1, Math.min(length - 1, (int) Math.round(room.firstReflectionSec() * rate)));
        // early reflections: single echoes between the first reflection and 4x its delay, each a wall
        // absorbing some energy (uniform 0.3–0.8 of the envelope), signs random (phase of the reflection)
        for (int k = 0; k < room.reflections(); k++) {
            int at = k == 0 ? first : Math.min(length - 1, first + r.nextInt(3 * first + 1));
            double amp = (0.3 + 0.5 * r.nextDouble()) * Math.exp(-decayPerSample * at);
            rev[at] += r.nextBoolean() ? amp : -amp;
        }
        // the diffuse tail builds up from the first reflection; its level relative to the early echoes
        // is set so they carry roughly a third of the reverberant energy
        double tailScale = 0.25;
        for (int n = first; n < length; n++) {
            rev[n] += tailScale * r.nextGaussian() * Math.exp(-decayPerSample * n);
        }
        double energy = 0;
        for (double v : rev) {
            energy += v * v;
        }
        double target = Math.pow(10, -room.drrDb() / 10); // direct path has energy 1
        double g = energy > 0 ? Math.sqrt(target / energy) : 0;
        float[] h = new float[length];
        h[0] = 1;
        for (int n = 1; n < length; n++) {
            h[n] = (float) (rev[n] * g);
        }
        return h;
    }

    /**
     * {@code x} in the room, as long as {@code x} (the tail past its end is cut), at the input's RMS
     * level, scaled down further only if a sample would exceed full scale (1).
     */
    public static float[] apply(float[] x, int rate, Room room) {
        float[] y = Convolution.convolve(x, impulseResponse(room, rate));
        return Levels.matchRms(x, y);
    }
}
