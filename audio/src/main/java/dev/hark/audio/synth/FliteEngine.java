package dev.hark.audio.synth;

import dev.hark.audio.Audio;
import dev.hark.audio.WavDecoder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Debian's {@code flite}: one process per utterance (it starts in a few milliseconds).
 *
 * <p>Rate is flite's {@code duration_stretch} (1.0 is every voice's own). Pitch is {@code f0_shift}, a factor on
 * the voice's F0 that the diphone voice (kal) and the clustergen voices (awb, slt) all honour; the
 * {@code int_f0_target_mean} the flite docs mention is an absolute mean in Hz, which would need each voice's own
 * mean to make a factor of. rms ignores both (its F0 comes from its own statistical model), so its pitch is not
 * varied: measured with an autocorrelation pitch tracker, docs/synth.md.
 */
public final class FliteEngine implements SynthEngine {

    private static final long TIMEOUT_SECONDS = 60;

    private final String program;
    /** {@code flite -lv}, asked once: null until then, empty when flite is not there. */
    private Set<String> voices;
    private String notThere;

    /** The {@code flite} on the PATH. */
    public FliteEngine() {
        this("flite");
    }

    /** @param program the flite executable: a name looked up on the PATH, or a path */
    public FliteEngine(String program) {
        this.program = program;
    }

    @Override
    public synchronized Optional<String> missing(SynthVoice voice) {
        if (voices == null) {
            voices = new TreeSet<>();
            try {
                Programs.Result lv = Programs.run(List.of(program, "-lv"), TIMEOUT_SECONDS);
                // "Voices available: kal awb_time kal16 awb rms slt "
                String listed = lv.out().replaceFirst("(?s).*Voices available:", "");
                voices.addAll(Arrays.asList(listed.strip().split("\\s+")));
                if (lv.exit() != 0 || voices.isEmpty()) {
                    notThere = program + " -lv failed (" + lv.lastWords() + ")";
                }
            } catch (IOException e) {
                notThere = e.getMessage();
            }
        }
        if (notThere != null) {
            return Optional.of(notThere + "; install it with: apt-get install " + voice.debianPackage());
        }
        // flite given an unknown -voice speaks with its default voice and says nothing: ask first, never trust that
        if (!voices.contains(voice.engineVoice())) {
            return Optional.of(program + " has no voice '" + voice.engineVoice() + "' (it has " + String.join(" ", voices)
                    + "); install it with: apt-get install " + voice.debianPackage());
        }
        return Optional.empty();
    }

    @Override
    public List<Audio> speak(SynthVoice voice, List<SynthRequest> requests, Path work) throws IOException {
        List<Audio> out = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            SynthRequest r = requests.get(i);
            Path wav = work.resolve(i + ".wav");
            List<String> command = new ArrayList<>(List.of(program, "-voice", voice.engineVoice(),
                    "--setf", "duration_stretch=" + r.rate()));
            if (voice.pitchVaries()) {
                command.addAll(List.of("--setf", "f0_shift=" + r.pitch()));
            }
            command.addAll(List.of("-t", r.text(), "-o", wav.toString()));
            Programs.Result result = Programs.run(command, TIMEOUT_SECONDS);
            if (result.exit() != 0) {
                throw new IOException(program + " -voice " + voice.engineVoice() + " failed on '" + r.text() + "' (exit "
                        + result.exit() + "): " + result.lastWords());
            }
            out.add(WavDecoder.decode(wav));
        }
        return out;
    }
}
