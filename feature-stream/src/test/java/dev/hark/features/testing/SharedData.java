package dev.hark.features.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the shared datasets folder: system property hark.shared.dir (Surefire sets it), else ../shared or ../../shared. */
public final class SharedData {

    private SharedData() {
    }

    public static Path sharedDir() {
        String configured = System.getProperty("hark.shared.dir");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (String candidate : new String[] {"../shared", "../../shared"}) {
            Path p = Path.of(candidate).toAbsolutePath().normalize();
            if (Files.isDirectory(p.resolve("datasets/fsdd"))) {
                return p;
            }
        }
        return Path.of("../shared").toAbsolutePath().normalize();
    }

    public static Path fsddRecordings() {
        return sharedDir().resolve("datasets/fsdd/recordings");
    }

    /** For Assumptions: why a dataset test is skipped. */
    public static String missingMessage(Path recordings) {
        return "datasets/fsdd not found: " + recordings + " does not exist (set -Dhark.shared.dir=/path/to/shared)";
    }
}
