package dev.hark.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The dataset of every command that reads recordings (demo, simulate, train, eval, replay, features):
 * {@code --data DIR}, else {@code $HARK_DATA}, else {@code ~/.hark/datasets/fsdd} (which
 * {@code hark demo} fills on first run).
 */
final class DataDir {

    static final String ENV = "HARK_DATA";
    static final String DEFAULT = "~/.hark/datasets/fsdd";
    /** How --help says it. */
    static final String DEFAULTS = "default: $" + ENV + ", else " + DEFAULT;

    private DataDir() {
    }

    /** {@code given}, else {@code $HARK_DATA}, else {@code ~/.hark/datasets/fsdd}; not checked. */
    static Path choose(Path given, Map<String, String> env) {
        if (given != null) {
            return given;
        }
        String d = env.get(ENV);
        if (d != null && !d.isBlank()) {
            return Path.of(d);
        }
        return Path.of(System.getProperty("user.home"), ".hark", "datasets", "fsdd");
    }

    static Path choose(Path given) {
        return choose(given, System.getenv());
    }

    /** {@link #choose}, which must exist (a folder, or a CSV manifest where a command takes one). */
    static Path require(Path given, Map<String, String> env) {
        Path dir = choose(given, env);
        if (!Files.exists(dir)) {
            throw missing(dir);
        }
        return dir;
    }

    static Path require(Path given) {
        return require(given, System.getenv());
    }

    static IllegalArgumentException missing(Path dir) {
        return new IllegalArgumentException("no dataset at " + dir + ": put FSDD's recordings there (`hark demo` "
                + "downloads them) or pass --data / set " + ENV);
    }
}
