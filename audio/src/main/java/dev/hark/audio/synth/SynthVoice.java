package dev.hark.audio.synth;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A voice {@code hark synth} can speak with.
 *
 * @param name          what {@code --voices} calls it
 * @param engine        the program that speaks it
 * @param engineVoice   the engine's own name for it: flite's {@code -voice}, festival's {@code voice_NAME} procedure
 * @param debianPackage the package that brings the voice (the engine's own package too, for flite's built-ins)
 * @param pitchVaries   false where the engine ignores the F0 setting for this voice (flite's rms: see docs/synth.md)
 */
public record SynthVoice(String name, SynthEngine.Kind engine, String engineVoice, String debianPackage,
                         boolean pitchVaries) {

    public static final SynthVoice KAL = new SynthVoice("kal", SynthEngine.Kind.FLITE, "kal", "flite", true);
    public static final SynthVoice AWB = new SynthVoice("awb", SynthEngine.Kind.FLITE, "awb", "flite", true);
    // rms is a clustergen voice with a statistical F0 model (spamf0) that bypasses f0_shift: measured, not varied
    public static final SynthVoice RMS = new SynthVoice("rms", SynthEngine.Kind.FLITE, "rms", "flite", false);
    public static final SynthVoice SLT = new SynthVoice("slt", SynthEngine.Kind.FLITE, "slt", "flite", true);
    /** Debian's festvox-kdlpc16k installs the voice as {@code ked_diphone}. */
    public static final SynthVoice KDLPC = new SynthVoice("kdlpc", SynthEngine.Kind.FESTIVAL, "ked_diphone",
            "festvox-kdlpc16k", true);

    /** Every voice, in the order clips are made and summaries list them. */
    public static final List<SynthVoice> ALL = List.of(KAL, AWB, RMS, SLT, KDLPC);

    public SynthVoice {
        // the speaker is the middle field of {digit}_{speaker}_{take}.wav: an underscore would move the take
        if (!name.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("voice name '" + name + "' must be lower-case letters, digits and '-'");
        }
    }

    /** The dataset speaker: engine and voice, e.g. {@code flite-kal}, {@code festival-kdlpc}. */
    public String speaker() {
        return engine.program() + "-" + name;
    }

    /** The voice called {@code name} in {@code --voices}. */
    public static SynthVoice named(String name) {
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        return ALL.stream().filter(v -> v.name.equals(wanted)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown voice '" + name.strip() + "'; the voices are "
                        + ALL.stream().map(SynthVoice::name).collect(Collectors.joining(","))));
    }

    /** A comma-separated list of voice names, in the order given, without repeats. */
    public static List<SynthVoice> parse(String names) {
        return Arrays.stream(names.split(",")).filter(s -> !s.isBlank()).map(SynthVoice::named).distinct().toList();
    }
}
