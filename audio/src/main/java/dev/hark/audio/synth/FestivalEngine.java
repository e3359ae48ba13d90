package dev.hark.audio.synth;

import dev.hark.audio.Audio;
import dev.hark.audio.WavDecoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Debian's {@code festival}, run as {@code festival --batch SCRIPT}. Festival takes about two seconds to start and
 * then a fraction of one per utterance, so one process speaks a whole batch, one Scheme form per clip.
 *
 * <p>Each clip re-selects the voice first, so every clip starts from the voice's own settings whatever came before
 * it: the same request gives the same audio in any batch. Rate multiplies the voice's {@code Duration_Stretch};
 * pitch multiplies the mean and the spread of its F0 targets ({@code int_lr_params}), so the contour keeps its
 * shape. Both are relative to what the voice itself sets, read in Scheme, not copied into this class.
 */
public final class FestivalEngine implements SynthEngine {

    /** Per batch: the start, plus a generous second per clip. */
    private static final long TIMEOUT_BASE_SECONDS = 60;

    /** Scheme helpers, defined once per script. */
    private static final String PRELUDE = """
            (define (hark_stretch r)
              (let ((d (Parameter.get 'Duration_Stretch)))
                (Parameter.set 'Duration_Stretch (* r (if d d 1.0)))))
            (define (hark_scale_param params key f)
              (mapcar (lambda (p) (if (equal? (car p) key) (list key (* f (cadr p))) p)) params))
            (define (hark_pitch f)
              (if (boundp 'int_lr_params)
                  (set! int_lr_params
                        (hark_scale_param (hark_scale_param int_lr_params 'target_f0_mean f) 'target_f0_std f))))
            """;

    private final String program;
    private final Map<String, Optional<String>> checked = new HashMap<>();

    /** The {@code festival} on the PATH. */
    public FestivalEngine() {
        this("festival");
    }

    /** @param program the festival executable: a name looked up on the PATH, or a path */
    public FestivalEngine(String program) {
        this.program = program;
    }

    @Override
    public synchronized Optional<String> missing(SynthVoice voice) {
        Optional<String> known = checked.get(voice.engineVoice());
        if (known != null) {
            return known;
        }
        Optional<String> problem;
        try {
            // festival evaluates an argument that starts with '(' as Scheme: selecting the voice is the test of it
            Programs.Result r = Programs.run(List.of(program, "--batch", "(voice_" + voice.engineVoice() + ")"), 60);
            if (r.exit() == 0 && !r.err().contains("SIOD ERROR")) {
                problem = Optional.empty();
            } else if (r.err().contains("unbound variable")) {
                problem = Optional.of(program + " has no voice " + voice.engineVoice() + "; install it with: apt-get install "
                        + voice.debianPackage());
            } else {
                problem = Optional.of(program + " could not select voice " + voice.engineVoice() + " (" + r.lastWords()
                        + "); reinstall it with: apt-get install --reinstall " + voice.debianPackage());
            }
        } catch (Programs.NotInstalled e) {
            problem = Optional.of(e.getMessage() + "; install it with: apt-get install festival " + voice.debianPackage());
        } catch (IOException e) {
            problem = Optional.of(e.getMessage());
        }
        checked.put(voice.engineVoice(), problem);
        return problem;
    }

    @Override
    public List<Audio> speak(SynthVoice voice, List<SynthRequest> requests, Path work) throws IOException {
        StringBuilder script = new StringBuilder(PRELUDE);
        List<Path> wavs = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            SynthRequest r = requests.get(i);
            Path wav = work.resolve(i + ".wav").toAbsolutePath();
            wavs.add(wav);
            script.append("(voice_").append(voice.engineVoice()).append(")\n")
                    .append("(hark_stretch ").append(r.rate()).append(")\n");
            if (voice.pitchVaries()) {
                script.append("(hark_pitch ").append(r.pitch()).append(")\n");
            }
            script.append("(utt.save.wave (utt.synth (Utterance Text ").append(string(r.text())).append(")) ")
                    .append(string(wav.toString())).append(" 'riff)\n");
        }
        Path file = work.resolve("synth.scm");
        Files.writeString(file, script, StandardCharsets.UTF_8);
        Programs.Result result = Programs.run(List.of(program, "--batch", file.toAbsolutePath().toString()),
                TIMEOUT_BASE_SECONDS + requests.size());
        // festival --batch exits 0 after some Scheme errors: a clip without its file is a failure too
        if (result.exit() != 0 || result.err().contains("SIOD ERROR") || !wavs.stream().allMatch(Files::isRegularFile)) {
            throw new IOException(program + " voice " + voice.engineVoice() + " failed (exit " + result.exit() + "): "
                    + result.lastWords());
        }
        List<Audio> out = new ArrayList<>(wavs.size());
        for (Path wav : wavs) {
            out.add(WavDecoder.decode(wav));
        }
        return out;
    }

    /** A Scheme string literal. */
    private static String string(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
