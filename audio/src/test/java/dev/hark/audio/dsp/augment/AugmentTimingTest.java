package dev.hark.audio.dsp.augment;

import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;

import static dev.hark.audio.dsp.augment.Tones.RATE;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cost per one-second clip at 8 kHz of each transform, printed, with a bound generous enough for a
 * slow shared machine: a training epoch augments about 2,700 clips, so a transform that took tens of
 * milliseconds per clip would add minutes to every epoch.
 */
class AugmentTimingTest {

    private static final double MAX_MS_PER_CLIP = 25;

    @Test
    void eachTransformCostsAFewMillisecondsPerSecondOfAudio() {
        float[] clip = Tones.buzz(130, 0.3, 1.0);
        report("pitch", clip, (r) -> x -> PitchShift.shift(x, RATE, (r.nextDouble() * 2 - 1) * 4));
        report("tempo", clip, (r) -> x -> TimeStretch.tempo(x, RATE, 1 + (r.nextDouble() * 2 - 1) * 0.2));
        report("reverb", clip, (r) -> x -> Reverb.apply(x, RATE, Reverb.random(r)));
        report("channel", clip, (r) -> x -> ChannelFilter.random(r).apply(x, RATE));
    }

    private static void report(String name, float[] clip, Function<SplittableRandom, Function<float[], float[]>> make) {
        SplittableRandom r = new SplittableRandom(1);
        Function<float[], float[]> f = make.apply(r);
        for (int i = 0; i < 30; i++) { // warm-up: let the JIT compile the loops
            f.apply(clip);
        }
        int clips = 100;
        long t0 = System.nanoTime();
        double check = 0;
        for (int i = 0; i < clips; i++) {
            check += f.apply(clip)[RATE / 2];
        }
        double ms = (System.nanoTime() - t0) / 1e6 / clips;
        System.out.printf(Locale.ROOT, "augment timing: %-8s %.2f ms per 1 s clip at 8 kHz (checksum %.3f)%n", name, ms, check);
        assertTrue(ms < MAX_MS_PER_CLIP, name + " took " + ms + " ms per clip");
    }

    @Test
    void convolutionCrossover() {
        // direct vs FFT overlap-add for the filter lengths that decide DIRECT_MAX_TAPS; printed only
        float[] x = Tones.buzz(130, 0.3, 1.0);
        for (int taps : new int[] {16, 32, 64, 128, 800, 4800}) {
            float[] h = Tones.buzz(500, 0.1, taps / (double) RATE);
            double direct = time(() -> Convolution.direct(x, h));
            double fft = time(() -> Convolution.overlapAdd(x, h));
            System.out.printf(Locale.ROOT, "augment timing: convolution %5d taps: direct %.3f ms, FFT %.3f ms%n",
                    taps, direct, fft);
        }
    }

    private static double time(java.util.function.Supplier<float[]> f) {
        for (int i = 0; i < 20; i++) {
            f.get();
        }
        int n = 50;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            f.get();
        }
        return (System.nanoTime() - t0) / 1e6 / n;
    }
}
