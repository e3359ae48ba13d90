package dev.hark.audio.synth;

import dev.hark.audio.Audio;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A text-to-speech program that turns text into WAV audio. */
public interface SynthEngine {

    /** The engines there are, by the program each runs. */
    enum Kind {
        FLITE("flite", "flite"),
        FESTIVAL("festival", "festival");

        private final String program;
        private final String debianPackage;

        Kind(String program, String debianPackage) {
            this.program = program;
            this.debianPackage = debianPackage;
        }

        public String program() {
            return program;
        }

        public String debianPackage() {
            return debianPackage;
        }
    }

    /**
     * Why {@code voice} cannot be spoken here, as one line that names the Debian package to install; empty when it can.
     */
    Optional<String> missing(SynthVoice voice);

    /**
     * Speaks each request with {@code voice}, in order, at the engine's own sample rate.
     *
     * @param work an empty folder for the engine's files, which the caller deletes
     * @throws IOException when the program fails, with its own last words
     */
    List<Audio> speak(SynthVoice voice, List<SynthRequest> requests, Path work) throws IOException;
}
