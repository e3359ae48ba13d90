package dev.hark.audio.dsp.augment;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.hark.audio.dsp.augment.Tones.RATE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reverb, its convolution, and ChannelFilter on signals whose levels are known. */
class AugmentRoomChannelTest {

    @Test
    void fftConvolutionEqualsTheDirectSum() {
        SplittableRandom r = new SplittableRandom(3);
        for (int[] sizes : new int[][] {{8000, 65}, {8000, 4800}, {300, 2000}, {9000, 9000}, {20000, 4097}}) {
            float[] x = noise(r, sizes[0]);
            float[] h = noise(r, sizes[1]);
            float[] direct = Convolution.direct(x, h);
            float[] fast = Convolution.convolve(x, h);
            double scale = Math.sqrt(sizes[1]); // the output's typical size: error relative to it
            for (int i = 0; i < x.length; i++) {
                assertEquals(direct[i], fast[i], 2e-5 * scale, "sample " + i + " of " + sizes[0] + "×" + sizes[1]);
            }
        }
    }

    @Test
    void impulseResponseHasTheRoomsDecayAndRatio() {
        Reverb.Room room = new Reverb.Room(0.4, 3, 0.005, 4, 11);
        float[] h = Reverb.impulseResponse(room, RATE);
        assertEquals(1f, h[0]);
        assertEquals(0.4 * RATE, h.length, 2);
        double rev = Tones.energy(h, 1, h.length);
        assertEquals(-3, 10 * Math.log10(rev), 0.01, "reverberant energy / direct energy = -DRR");
        // the diffuse tail falls 60 dB per RT60: 10 dB per 67 ms, measured on 50 ms windows
        double early = Tones.energy(h, (int) (0.05 * RATE), (int) (0.10 * RATE));
        double late = Tones.energy(h, (int) (0.25 * RATE), (int) (0.30 * RATE));
        assertEquals(-60 * 0.2 / 0.4, 10 * Math.log10(late / early), 2.5);
        for (int i = 1; i < (int) (0.005 * RATE); i++) {
            assertEquals(0f, h[i], "nothing before the first reflection");
        }
    }

    @Test
    void reverbFillsTheSilenceAfterAWordAndKeepsItsLevel() {
        // broadband, like a voice: a pure tone would see one random value of the room's response
        float[] x = word(0.5, 1.0, 0.1, 0.4);
        int end = (int) (0.4 * RATE);
        SplittableRandom rnd = new SplittableRandom(5);
        for (int k = 0; k < 20; k++) {
            Reverb.Room room = Reverb.random(rnd);
            float[] y = Reverb.apply(x, RATE, room);
            assertEquals(x.length, y.length);
            // 20–150 ms after the word the dry clip is silent; the room's tail is not
            double tail = Tones.energy(y, end + RATE / 50, end + (int) (0.15 * RATE));
            double word = Tones.energy(y, (int) (0.1 * RATE), end);
            assertEquals(0, Tones.energy(x, end + 1, x.length));
            double tailDb = 10 * Math.log10(tail / word);
            assertTrue(tailDb > -50, room + ": tail " + tailDb + " dB");
            double peak = Tones.peak(y);
            assertTrue(peak <= 1 && peak < 2 * Tones.peak(x), room + ": peak " + peak);
            if (peak < 1) { // else the level was lowered to keep the peak at full scale
                assertEquals(Tones.rms(x, 0, x.length), Tones.rms(y, 0, y.length), 1e-4, "level kept");
            }
        }
    }

    @Test
    void aLongerRoomLeavesMoreTail() {
        float[] x = Tones.burst(500, 0.5, 1.0, 0.1, 0.4);
        int end = (int) (0.4 * RATE);
        double shortTail = tailDb(Reverb.apply(x, RATE, new Reverb.Room(0.15, 3, 0.004, 4, 1)), end);
        double longTail = tailDb(Reverb.apply(x, RATE, new Reverb.Room(0.6, 3, 0.004, 4, 1)), end);
        assertTrue(longTail > shortTail + 10, "0.6 s room " + longTail + " dB vs 0.15 s " + shortTail + " dB");
    }

    private static double tailDb(float[] y, int end) {
        return 10 * Math.log10(Tones.energy(y, end + RATE / 10, end + RATE / 5) / Tones.energy(y, end - RATE / 5, end));
    }

    @Test
    void bandLimitsAttenuateHumAndTheTopAgainstTheMiddle() {
        float[] x = Tones.sum(Tones.burst(60, 0.2, 1, 0, 1), Tones.burst(1000, 0.2, 1, 0, 1),
                Tones.burst(3900, 0.2, 1, 0, 1));
        ChannelFilter phone = new ChannelFilter(300, 3400, 0);
        float[] y = phone.apply(x, RATE);
        double mid = db(Tones.amplitude(y, 2000, 6000, 1000));
        double hum = db(Tones.amplitude(y, 2000, 6000, 60)) - mid;
        double top = db(Tones.amplitude(y, 2000, 6000, 3900)) - mid;
        assertTrue(hum < -40, "60 Hz relative to 1 kHz: " + hum + " dB");
        assertTrue(top < -20, "3.9 kHz relative to 1 kHz: " + top + " dB");
        // the measured response is the filters' designed one
        assertEquals(phone.gainDb(60, RATE) - phone.gainDb(1000, RATE), hum, 1);
        assertEquals(phone.gainDb(3900, RATE) - phone.gainDb(1000, RATE), top, 1);
        assertEquals(-3, phone.gainDb(300, RATE) - phone.gainDb(1000, RATE), 0.3, "-3 dB at the corner");
    }

    @Test
    void everyDrawnBandLimitAttenuatesWhateverTheTilt() {
        float[] x = Tones.sum(Tones.burst(60, 0.2, 1, 0, 1), Tones.burst(1000, 0.2, 1, 0, 1),
                Tones.burst(3900, 0.2, 1, 0, 1));
        SplittableRandom rnd = new SplittableRandom(9);
        int highPasses = 0;
        int lowPasses = 0;
        for (int k = 0; k < 60; k++) {
            ChannelFilter c = ChannelFilter.random(rnd);
            assertTrue(c.highPassHz() == 0 || c.highPassHz() >= 100 && c.highPassHz() <= 400, c.toString());
            assertTrue(c.lowPassHz() == 0 || c.lowPassHz() >= 2500 && c.lowPassHz() <= 3800, c.toString());
            assertTrue(Math.abs(c.tiltDb()) <= 12, c.toString());
            float[] y = c.apply(x, RATE);
            assertEquals(Tones.rms(x, 0, x.length), Tones.rms(y, 0, y.length), 1e-4, "level kept");
            double mid = db(Tones.amplitude(y, 2000, 6000, 1000));
            if (c.highPassHz() > 0) {
                highPasses++;
                assertTrue(db(Tones.amplitude(y, 2000, 6000, 60)) - mid < -10, c + " leaves 60 Hz");
            }
            if (c.lowPassHz() > 0) {
                lowPasses++;
                assertTrue(db(Tones.amplitude(y, 2000, 6000, 3900)) - mid < -6, c + " leaves 3.9 kHz");
            }
        }
        assertTrue(highPasses > 15 && highPasses < 45 && lowPasses > 15 && lowPasses < 45,
                "each band limit on about half the draws: " + highPasses + ", " + lowPasses);
    }

    @Test
    void tiltBrightensOrDulls() {
        float[] x = Tones.sum(Tones.burst(250, 0.2, 1, 0, 1), Tones.burst(3000, 0.2, 1, 0, 1));
        for (double tilt : new double[] {12, -12, 6}) {
            float[] y = new ChannelFilter(0, 0, tilt).apply(x, RATE);
            double diff = db(Tones.amplitude(y, 2000, 6000, 3000)) - db(Tones.amplitude(y, 2000, 6000, 250));
            ChannelFilter c = new ChannelFilter(0, 0, tilt);
            assertEquals(c.gainDb(3000, RATE) - c.gainDb(250, RATE), diff, 0.5);
            assertTrue(Math.signum(diff) == Math.signum(tilt) && Math.abs(diff) > Math.abs(tilt) * 0.5,
                    "tilt " + tilt + ": 3 kHz vs 250 Hz " + diff + " dB");
        }
        assertEquals(0, new ChannelFilter(0, 0, 12).gainDb(0.01, RATE), 0.01, "0 dB at DC");
        assertEquals(6, new ChannelFilter(0, 0, 12).gainDb(1000, RATE), 0.01, "half the tilt at the centre");
    }

    @Test
    void theSameDrawGivesTheSameOutput() {
        float[] x = Tones.buzz(140, 0.3, 0.7);
        float[] a = Reverb.apply(x, RATE, Reverb.random(new SplittableRandom(77)));
        float[] b = Reverb.apply(x, RATE, Reverb.random(new SplittableRandom(77)));
        float[] c = Reverb.apply(x, RATE, Reverb.random(new SplittableRandom(78)));
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, c));
        assertEquals(ChannelFilter.random(new SplittableRandom(4)), ChannelFilter.random(new SplittableRandom(4)));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new Reverb.Room(0, 3, 0.001, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> new Reverb.Room(0.3, Double.NaN, 0.001, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> new ChannelFilter(-1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ChannelFilter(0, 0, Double.NaN));
    }

    /** A 140 Hz buzz (harmonics to 3.5 kHz) from onSec to offSec, peak about {@code amp}. */
    private static float[] word(double amp, double totalSec, double onSec, double offSec) {
        float[] buzz = Tones.buzz(140, 1, totalSec);
        float[] x = new float[buzz.length];
        int on = (int) Math.round(onSec * RATE);
        int off = (int) Math.round(offSec * RATE);
        for (int i = on; i < off; i++) {
            double env = Math.min(1, Math.min((i - on) / 40.0, (off - i) / 40.0));
            x[i] = (float) (buzz[i] * env);
        }
        double scale = amp / Tones.peak(x);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (x[i] * scale);
        }
        return x;
    }

    private static double db(double amplitude) {
        return 20 * Math.log10(amplitude);
    }

    private static float[] noise(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }
}
