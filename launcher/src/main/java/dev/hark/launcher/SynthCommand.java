package dev.hark.launcher;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.hark.audio.synth.SynthManifest;
import dev.hark.audio.synth.SynthPlan;
import dev.hark.audio.synth.SynthRange;
import dev.hark.audio.synth.SynthVoice;
import dev.hark.audio.synth.Synthesizer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hark synth}: a reproducible set of synthetic spoken digits, for training on voices FSDD lacks. */
@Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Make synthetic spoken digits (\"zero\" to \"nine\") with Debian's flite and festival, as an "
                + "FSDD-layout dataset: {digit}_{speaker}_{take}.wav, 8 kHz mono 16-bit, trimmed to the word, with "
                + "speakers flite-kal, flite-awb, flite-rms, flite-slt and festival-kdlpc. `hark train --data DIR` reads it.",
                "",
                "Each take is spoken at a rate and pitch drawn from the ranges, seeded: the same arguments make the "
                        + "same files, byte for byte. " + SynthManifest.FILE + " in DIR lists every clip: "
                        + SynthManifest.HEADER + " (rate: duration stretch, 1.2 = 20%% slower; pitch: F0 factor; "
                        + "flite's rms keeps its own pitch).",
                "A voice whose engine is not installed is skipped, with the Debian package to install (flite; "
                        + "festival festvox-kdlpc16k); with none left, the exit code is " + ExitCodes.NO_SYNTH_ENGINE
                        + ". More in docs/synth.md."})
final class SynthCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "A new or empty folder for the set.")
    Path out;

    @Option(names = "--voices", paramLabel = "LIST", defaultValue = "kal,awb,rms,slt,kdlpc",
            split = ",", converter = VoiceConverter.class,
            description = "Voices, comma-separated: kal, awb, rms, slt (flite), kdlpc (festival). Default: ${DEFAULT-VALUE}.")
    List<SynthVoice> voices;

    @Option(names = "--takes", paramLabel = "N", defaultValue = "10",
            description = "Takes per digit per voice. Default: ${DEFAULT-VALUE}.")
    int takes;

    @Option(names = "--rate-range", paramLabel = "LOW-HIGH", defaultValue = "0.85-1.2", converter = RangeConverter.class,
            description = "Duration stretch per take, relative to the voice's own (above 1 is slower). "
                    + "Default: ${DEFAULT-VALUE}.")
    SynthRange rate;

    @Option(names = "--pitch-range", paramLabel = "LOW-HIGH", defaultValue = "0.8-1.25", converter = RangeConverter.class,
            description = "F0 factor per take, relative to the voice's own. Default: ${DEFAULT-VALUE}.")
    SynthRange pitch;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seeds the variation. Default: ${DEFAULT-VALUE}.")
    long seed;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The engines: those on the PATH; a test points one at a program that is not there. */
    Synthesizer synthesizer = Synthesizer.onPath();

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        List<SynthVoice> voices = this.voices.stream().distinct().toList();
        new SynthPlan(voices, takes, rate, pitch, seed); // argument errors before the engines are asked anything

        Map<SynthVoice, String> missing = synthesizer.missing(voices);
        missing.forEach((voice, why) -> stderr.println("hark synth: skipping " + voice.speaker() + ": " + why));
        stderr.flush();
        List<SynthVoice> usable = voices.stream().filter(v -> !missing.containsKey(v)).toList();
        if (usable.isEmpty()) {
            stderr.println("hark synth: none of the voices asked for can be spoken here: install the packages above");
            stderr.flush();
            return ExitCodes.NO_SYNTH_ENGINE;
        }

        SynthPlan plan = new SynthPlan(usable, takes, rate, pitch, seed);
        stdout.printf(Locale.ROOT, "synth: %d voice%s x 10 digits x %d take%s = %d clips into %s (seed %d, rate %s, pitch %s)%n",
                usable.size(), usable.size() == 1 ? "" : "s", takes, takes == 1 ? "" : "s", plan.size(), out, seed, rate,
                pitch);
        stdout.flush();
        long started = System.nanoTime();
        ProgressBar bar = new ProgressBar("synth", plan.size());
        List<SynthManifest.Row> rows = synthesizer.write(plan, out, n -> bar.update(n, ""));
        double seconds = (System.nanoTime() - started) / 1e9;
        bar.done(rows.size(), "");

        Map<String, Long> perSpeaker = new LinkedHashMap<>();
        for (SynthManifest.Row row : rows) {
            perSpeaker.merge(row.speaker(), 1L, Long::sum);
        }
        perSpeaker.forEach((speaker, n) -> stdout.printf(Locale.ROOT, "  %-16s %5d clips%n", speaker, n));
        stdout.printf(Locale.ROOT, "wrote %d clips and %s to %s in %s%n", rows.size(), SynthManifest.FILE, out,
                Durations.seconds(seconds));
        stdout.flush();
        return ExitCodes.OK;
    }

    static final class VoiceConverter implements CommandLine.ITypeConverter<SynthVoice> {
        @Override
        public SynthVoice convert(String value) {
            try {
                return SynthVoice.named(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class RangeConverter implements CommandLine.ITypeConverter<SynthRange> {
        @Override
        public SynthRange convert(String value) {
            try {
                return SynthRange.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
