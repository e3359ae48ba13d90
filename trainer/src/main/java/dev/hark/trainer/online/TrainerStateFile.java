package dev.hark.trainer.online;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code trainer-state.json} in the trainer's state directory: how many labeled clips the last training
 * saw, so that a restarted trainer neither retrains from nothing nor forgets that it trained. Written
 * atomically (a temporary file moved over the old one).
 */
final class TrainerStateFile {

    static final String NAME = "trainer-state.json";
    private static final Pattern CLIPS = Pattern.compile("\"clipsAtLastTraining\"\\s*:\\s*(\\d+)");

    private final Path file;

    TrainerStateFile(Path stateDir) {
        this.file = stateDir.resolve(NAME);
    }

    /** The clips the last training saw; 0 when none is recorded. */
    int clipsAtLastTraining() throws IOException {
        if (!Files.isRegularFile(file)) {
            return 0;
        }
        Matcher m = CLIPS.matcher(Files.readString(file));
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    void write(int clipsAtLastTraining) {
        try {
            Path tmp = file.resolveSibling(NAME + ".tmp");
            Files.writeString(tmp, "{\"clipsAtLastTraining\": " + clipsAtLastTraining + "}\n");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
