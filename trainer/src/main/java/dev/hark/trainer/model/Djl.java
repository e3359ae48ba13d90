package dev.hark.trainer.model;

import ai.djl.engine.Engine;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * The one PyTorch engine of this JVM. Thread counts must be set before the engine loads, and the
 * defaults cost 10–100× in latency on two shared cores, so everything goes through here.
 *
 * <p>PyTorch's natives come from a {@code pytorch-native-cpu} jar that the trainer's Maven profiles choose
 * by the build machine's OS and architecture (trainer/pom.xml): {@link #SUPPORTED}. On any other platform,
 * or when the jar for this one is missing, loading the engine fails with a message that says so.
 */
public final class Djl {

    /** Platforms whose PyTorch CPU natives are on Maven Central and chosen by trainer/pom.xml, as DJL names them. */
    public static final List<String> SUPPORTED = List.of("linux-x86_64", "linux-aarch64", "osx-aarch64");

    private static Engine engine;
    private static int threads;

    private Djl() {
    }

    /** The engine, loaded on first call with {@code intraOpThreads} (later calls must not ask for other counts). */
    public static synchronized Engine engine(int intraOpThreads) {
        if (engine == null) {
            String platform = platform(System.getProperty("os.name"), System.getProperty("os.arch"));
            boolean ownLibrary = System.getenv("PYTORCH_LIBRARY_PATH") != null;
            if (!SUPPORTED.contains(platform) && !ownLibrary) {
                throw new IllegalStateException(unsupported(System.getProperty("os.name"), System.getProperty("os.arch")));
            }
            // Natives come from the pytorch-native-cpu jar; never reach for the network.
            System.setProperty("ai.djl.offline", "true");
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(intraOpThreads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
            System.setProperty("OPT_OUT_TRACKING", "true");
            try {
                engine = Engine.getEngine("PyTorch");
            } catch (RuntimeException | LinkageError e) {
                String why = SUPPORTED.contains(platform) ? notLoaded(platform)
                        : unsupported(System.getProperty("os.name"), System.getProperty("os.arch"));
                throw new IllegalStateException(why + " Cause: " + e, e);
            }
            threads = intraOpThreads;
        }
        return engine;
    }

    /** Intra-op threads the engine was loaded with (0 before it is loaded). */
    public static synchronized int threads() {
        return threads;
    }

    /** DJL's name for a platform ({@code linux-x86_64}, {@code osx-aarch64}, ...) from os.name and os.arch. */
    static String platform(String osName, String osArch) {
        String name = osName == null ? "" : osName;
        String os = name.startsWith("Linux") ? "linux"
                : name.startsWith("Mac") ? "osx"
                : name.startsWith("Win") ? "win"
                : name.toLowerCase(Locale.ROOT).replace(' ', '_');
        String arch = osArch == null ? "" : osArch;
        if (arch.equals("amd64")) {
            arch = "x86_64";
        } else if (arch.equals("arm64")) {
            arch = "aarch64";
        }
        return os + '-' + arch;
    }

    static String unsupported(String osName, String osArch) {
        return "The trainer cannot run PyTorch on this platform (os.name=" + osName + ", os.arch=" + osArch + ", "
                + platform(osName, osArch) + "): Hark ships PyTorch CPU natives for " + String.join(", ", SUPPORTED)
                + " only (trainer/pom.xml picks the one for the build machine). Train on one of those, or point "
                + "PYTORCH_LIBRARY_PATH at a libtorch " + pytorchVersion() + " built for this platform.";
    }

    static String notLoaded(String platform) {
        return "PyTorch " + pytorchVersion() + " (DJL) did not load on " + platform + " (os.name="
                + System.getProperty("os.name") + ", os.arch=" + System.getProperty("os.arch") + "). This platform is "
                + "supported: is ai.djl.pytorch:pytorch-native-cpu with classifier " + platform
                + " on the class path? trainer/pom.xml adds it when the build runs on " + platform
                + " (supported: " + String.join(", ", SUPPORTED) + ").";
    }

    /** The PyTorch version DJL's engine jar was built for, or "(unknown version)". */
    private static String pytorchVersion() {
        try (InputStream in = Djl.class.getClassLoader().getResourceAsStream("pytorch-engine.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("pytorch_version", "(unknown version)");
            }
        } catch (IOException e) {
            // only for the message
        }
        return "(unknown version)";
    }
}
