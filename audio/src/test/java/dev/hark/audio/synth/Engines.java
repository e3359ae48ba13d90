package dev.hark.audio.synth;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;

/** What the engine tests need from this machine: the voice installed, or a skipped test that names the package. */
final class Engines {

    private static final Synthesizer ON_PATH = Synthesizer.onPath();

    private Engines() {
    }

    static Synthesizer onPath() {
        return ON_PATH;
    }

    /** The engine for {@code voice}, or the test is skipped with the engine's own reason (which names the package). */
    static SynthEngine require(SynthVoice voice) {
        SynthEngine engine = ON_PATH.engine(voice);
        Optional<String> missing = engine.missing(voice);
        assumeTrue(missing.isEmpty(), () -> "needs " + voice.speaker() + ": " + missing.orElse(""));
        return engine;
    }

    /** Median F0 in Hz of the voiced 40 ms frames, by autocorrelation (60–400 Hz); 0 when none is voiced. */
    static double medianF0(float[] x, int rate) {
        int frame = (int) (0.04 * rate);
        int lo = rate / 400;
        int hi = rate / 60;
        java.util.List<Double> f0 = new java.util.ArrayList<>();
        for (int start = 0; start + frame + hi < x.length; start += frame / 2) {
            double energy = 0;
            for (int i = 0; i < frame; i++) {
                energy += x[start + i] * x[start + i];
            }
            if (Math.sqrt(energy / frame) < 0.02) {
                continue;
            }
            int best = lo;
            double bestAc = Double.NEGATIVE_INFINITY;
            for (int lag = lo; lag <= hi; lag++) {
                double ac = 0;
                for (int i = 0; i < frame; i++) {
                    ac += x[start + i] * x[start + i + lag];
                }
                if (ac > bestAc) {
                    bestAc = ac;
                    best = lag;
                }
            }
            if (bestAc > 0.4 * energy) {
                f0.add(rate / (double) best);
            }
        }
        if (f0.isEmpty()) {
            return 0;
        }
        java.util.Collections.sort(f0);
        return f0.get(f0.size() / 2);
    }
}
