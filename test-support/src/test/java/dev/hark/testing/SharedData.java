package dev.hark.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;

/**
 * The datasets in {@code ../shared} beside the checkout (never committed). A fresh clone has none:
 * tests that need them call {@link #requireFsdd()} and are skipped, saying why.
 */
public final class SharedData {
    private SharedData() {
    }

    /** {@code -Dhark.shared.dir} (the build sets it to ../shared beside the checkout), else ../shared or ../../shared. */
    public static Optional<Path> sharedDir() {
        String configured = System.getProperty("hark.shared.dir");
        String[] candidates = configured != null && !configured.isBlank()
                ? new String[] {configured} : new String[] {"../shared", "../../shared"};
        for (String candidate : candidates) {
            if (candidate != null && Files.isDirectory(Path.of(candidate))) {
                return Optional.of(Path.of(candidate).toAbsolutePath().normalize());
            }
        }
        return Optional.empty();
    }

    /** The FSDD recordings folder ({@code datasets/fsdd/recordings}), if present. */
    public static Optional<Path> fsddRecordings() {
        return sharedDir().map(dir -> dir.resolve("datasets/fsdd/recordings")).filter(Files::isDirectory);
    }

    /** The recordings folder, or a skipped test that says why. */
    public static Path requireFsdd() {
        Optional<Path> dir = fsddRecordings();
        Assumptions.assumeTrue(dir.isPresent(), "needs the FSDD recordings at ../shared/datasets/fsdd/recordings "
                + "(not in a fresh clone; set -Dhark.shared.dir=DIR to point elsewhere)");
        return dir.get();
    }
}
