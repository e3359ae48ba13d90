package dev.hark.audio.synth;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Which clips to make, and each one's rate and pitch: a function of the arguments alone.
 *
 * <p>Each clip draws from its own {@link Random} (whose sequence the JDK specifies exactly), seeded from the seed,
 * the speaker, the digit and the take; so a clip's variation does not depend on which other voices or how many
 * takes were asked for, and adding a voice to a set leaves the clips it had unchanged. Values are rounded to two
 * decimals, so what the manifest says is exactly what the engine was given.
 */
public record SynthPlan(List<SynthVoice> voices, int takes, SynthRange rate, SynthRange pitch, long seed) {

    public SynthPlan {
        voices = List.copyOf(voices);
        if (voices.isEmpty()) {
            throw new IllegalArgumentException("no voices to speak with");
        }
        if (takes < 1 || takes > 10_000) {
            throw new IllegalArgumentException("takes must be 1-10000, got " + takes);
        }
    }

    /** Every clip, voice by voice, then digit by digit, then take by take. */
    public List<SynthClip> clips() {
        List<SynthClip> clips = new ArrayList<>(voices.size() * 10 * takes);
        for (SynthVoice voice : voices) {
            for (int digit = 0; digit <= 9; digit++) {
                for (int take = 0; take < takes; take++) {
                    clips.add(clip(voice, digit, take));
                }
            }
        }
        return clips;
    }

    public int size() {
        return voices.size() * 10 * takes;
    }

    SynthClip clip(SynthVoice voice, int digit, int take) {
        long s = seed;
        s = s * 1_000_003 + voice.speaker().hashCode(); // String.hashCode is specified: stable across JVMs
        s = s * 1_000_003 + digit;
        s = s * 1_000_003 + take;
        // Random's first draws barely differ for seeds that differ in a few low bits: mix them all through first
        Random random = new Random(mix(s));
        double r = draw(random, rate);
        double p = draw(random, pitch); // drawn even when unused, so a voice's rates do not depend on its pitch support
        return new SynthClip(voice, digit, take, r, voice.pitchVaries() ? p : 1.0);
    }

    /** SplitMix64's finaliser: every input bit reaches every output bit. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static double draw(Random random, SynthRange range) {
        double v = range.low() + random.nextDouble() * (range.high() - range.low());
        return Math.round(v * 100) / 100.0;
    }
}
