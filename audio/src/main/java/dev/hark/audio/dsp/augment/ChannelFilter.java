package dev.hark.audio.dsp.augment;

import java.util.random.RandomGenerator;

/**
 * The colour a microphone or a line puts on a voice: an optional high-pass (small capsules, phone
 * lines and wind filters cut the low end), an optional low-pass (cheap codecs and telephone bands cut
 * the top) and a spectral tilt (some microphones are bright, some dull). The output is brought back to
 * the input's RMS: loudness is the {@code gain} augmentation's business.
 *
 * <p>Band limits are 4th-order Butterworth (two RBJ biquads): a phone band edge is steep, and a
 * 2nd-order high-pass at 100 Hz would leave 60 Hz hum only 9 dB down. The tilt is a first-order shelf
 * centred at 1 kHz whose total gain from DC to Nyquist is {@code tiltDb}; at ±12 dB its slope around
 * 1 kHz is close to ±6 dB per octave, the most a first-order section gives.
 *
 * @param highPassHz corner of the high-pass, 0 for none
 * @param lowPassHz  corner of the low-pass, 0 for none
 * @param tiltDb     high-frequency gain relative to low, dB (positive: brighter)
 */
public record ChannelFilter(double highPassHz, double lowPassHz, double tiltDb) {

    /** Ranges of {@link #random}. */
    public static final double HIGH_PASS_MIN_HZ = 100;
    public static final double HIGH_PASS_MAX_HZ = 400;
    public static final double LOW_PASS_MIN_HZ = 2500;
    public static final double LOW_PASS_MAX_HZ = 3800;
    public static final double TILT_MAX_DB = 12;
    /** Where the tilt shelf turns: the middle of the speech band on a log scale. */
    static final double TILT_CENTRE_HZ = 1000;

    /** Q of the two sections of a 4th-order Butterworth filter: 1 / (2 cos(π/8)), 1 / (2 cos(3π/8)). */
    private static final double[] BUTTERWORTH4_Q = {0.5411961, 1.3065630};

    public ChannelFilter {
        if (!(highPassHz >= 0) || !(lowPassHz >= 0) || Double.isNaN(tiltDb) || Math.abs(tiltDb) > 40) {
            throw new IllegalArgumentException("channel filter needs corners >= 0 Hz and a tilt within ±40 dB, got "
                    + highPassHz + ", " + lowPassHz + ", " + tiltDb);
        }
    }

    /**
     * A channel drawn from {@code rnd}: a high-pass at {@value #HIGH_PASS_MIN_HZ}–{@value #HIGH_PASS_MAX_HZ}
     * Hz with probability 1/2, a low-pass at {@value #LOW_PASS_MIN_HZ}–{@value #LOW_PASS_MAX_HZ} Hz with
     * probability 1/2 (independently), and a tilt uniform in ±{@value #TILT_MAX_DB} dB. Corners are uniform
     * on a log scale, as filter corners are perceived. Low-pass corners at or above the rate's Nyquist
     * frequency are left out when applied.
     */
    public static ChannelFilter random(RandomGenerator rnd) {
        double hp = rnd.nextBoolean() ? logUniform(rnd, HIGH_PASS_MIN_HZ, HIGH_PASS_MAX_HZ) : 0;
        double lp = rnd.nextBoolean() ? logUniform(rnd, LOW_PASS_MIN_HZ, LOW_PASS_MAX_HZ) : 0;
        double tilt = (rnd.nextDouble() * 2 - 1) * TILT_MAX_DB;
        return new ChannelFilter(hp, lp, tilt);
    }

    private static double logUniform(RandomGenerator rnd, double lo, double hi) {
        return lo * Math.pow(hi / lo, rnd.nextDouble());
    }

    /** {@code x} through this channel at {@code rate}, at the input's RMS (peak kept ≤ 1). */
    public float[] apply(float[] x, int rate) {
        double nyquist = rate / 2.0;
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i];
        }
        if (highPassHz > 0 && highPassHz < nyquist * 0.95) {
            for (double q : BUTTERWORTH4_Q) {
                Biquad.highPass(highPassHz, q, rate).filter(y);
            }
        }
        if (lowPassHz > 0 && lowPassHz < nyquist * 0.98) {
            for (double q : BUTTERWORTH4_Q) {
                Biquad.lowPass(lowPassHz, q, rate).filter(y);
            }
        }
        if (tiltDb != 0) {
            Biquad.tilt(tiltDb, TILT_CENTRE_HZ, rate).filter(y);
        }
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) y[i];
        }
        return Levels.matchRms(x, out);
    }

    /** The gain in dB of this channel (before level matching) at {@code hz}, from the filters' responses. */
    public double gainDb(double hz, int rate) {
        double nyquist = rate / 2.0;
        double g = 0;
        if (highPassHz > 0 && highPassHz < nyquist * 0.95) {
            for (double q : BUTTERWORTH4_Q) {
                g += Biquad.highPass(highPassHz, q, rate).gainDb(hz, rate);
            }
        }
        if (lowPassHz > 0 && lowPassHz < nyquist * 0.98) {
            for (double q : BUTTERWORTH4_Q) {
                g += Biquad.lowPass(lowPassHz, q, rate).gainDb(hz, rate);
            }
        }
        if (tiltDb != 0) {
            g += Biquad.tilt(tiltDb, TILT_CENTRE_HZ, rate).gainDb(hz, rate);
        }
        return g;
    }

    /** One second-order IIR section, a0 normalised to 1 (direct form I on doubles). */
    record Biquad(double b0, double b1, double b2, double a1, double a2) {

        /** RBJ Audio EQ Cookbook high-pass. */
        static Biquad highPass(double hz, double q, int rate) {
            double w = 2 * Math.PI * hz / rate;
            double alpha = Math.sin(w) / (2 * q);
            double c = Math.cos(w);
            double a0 = 1 + alpha;
            return new Biquad((1 + c) / 2 / a0, -(1 + c) / a0, (1 + c) / 2 / a0, -2 * c / a0, (1 - alpha) / a0);
        }

        /** RBJ Audio EQ Cookbook low-pass. */
        static Biquad lowPass(double hz, double q, int rate) {
            double w = 2 * Math.PI * hz / rate;
            double alpha = Math.sin(w) / (2 * q);
            double c = Math.cos(w);
            double a0 = 1 + alpha;
            return new Biquad((1 - c) / 2 / a0, (1 - c) / a0, (1 - c) / 2 / a0, -2 * c / a0, (1 - alpha) / a0);
        }

        /**
         * First-order shelf H(s) = g'·(s + ωz)/(s + ωp) with ωz = ωc/√g, ωp = ωc·√g (g the linear gain),
         * so 0 dB at DC, {@code db} towards high frequencies and half of it at ωc; bilinear transform with
         * the centre pre-warped. One formula for both signs: g < 1 swaps the pole and the zero.
         */
        static Biquad tilt(double db, double centreHz, int rate) {
            double g = Math.pow(10, db / 20);
            double k = Math.tan(Math.PI * centreHz / rate); // pre-warped ωc for the bilinear s = (1 - z⁻¹)/(1 + z⁻¹)
            double wz = k / Math.sqrt(g);
            double wp = k * Math.sqrt(g);
            double scale = wp / wz; // DC gain 1: H(0) = scale·wz/wp
            // H(z) = scale·((1 + wz) + (wz - 1) z⁻¹) / ((1 + wp) + (wp - 1) z⁻¹)
            double a0 = 1 + wp;
            return new Biquad(scale * (1 + wz) / a0, scale * (wz - 1) / a0, 0, (wp - 1) / a0, 0);
        }

        void filter(double[] y) {
            double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
            for (int i = 0; i < y.length; i++) {
                double x0 = y[i];
                double out = b0 * x0 + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
                x2 = x1;
                x1 = x0;
                y2 = y1;
                y1 = out;
                y[i] = out;
            }
        }

        double gainDb(double hz, int rate) {
            double w = 2 * Math.PI * hz / rate;
            // |B(e^jw)| / |A(e^jw)|
            double br = b0 + b1 * Math.cos(w) + b2 * Math.cos(2 * w);
            double bi = -b1 * Math.sin(w) - b2 * Math.sin(2 * w);
            double ar = 1 + a1 * Math.cos(w) + a2 * Math.cos(2 * w);
            double ai = -a1 * Math.sin(w) - a2 * Math.sin(2 * w);
            return 10 * Math.log10((br * br + bi * bi) / (ar * ar + ai * ai));
        }
    }
}
