package dev.hark.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apicurio Registry, run as a child JVM from its runner archive, answering Confluent's
 * Schema Registry API under {@code /apis/ccompat/v7}. In memory for tests; with a data directory
 * its H2 database lives there, so schema ids survive restarts (records written before a restart
 * stay decodable).
 */
public final class ApicurioRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApicurioRegistry.class);
    public static final String CONFLUENT_PATH = "/apis/ccompat/v7";

    /** How to run the registry. */
    public record Options(String host, int port, Path dataDir, Path logFile, Duration startTimeout) {
        public static Options inMemory(int port) {
            return new Options("localhost", port, null, null, Duration.ofSeconds(90));
        }

        public Options withDataDir(Path dir) {
            return new Options(host, port, dir, logFile, startTimeout);
        }

        public Options withLogFile(Path file) {
            return new Options(host, port, dataDir, file, startTimeout);
        }
    }

    private final Process process;
    private final Options options;

    private ApicurioRegistry(Process process, Options options) {
        this.process = process;
        this.options = options;
    }

    /** Starts the registry and waits until its Confluent API answers. */
    public static ApicurioRegistry start(Options options) {
        Ports.requireFree(options.port(), "schema registry", "--registry-port");
        Path runner = runnerJar();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // measured on 2 cores: C1 only and the serial collector start it in ~2 s and keep it near 300 MB
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m", "-Xss512k"));
        command.add("-Dquarkus.http.host=" + options.host());
        command.add("-Dquarkus.http.port=" + options.port());
        command.add("-Dquarkus.log.console.color=false");
        command.add("-Dquarkus.banner.enabled=false");
        command.add("-Dquarkus.http.access-log.enabled=false");
        command.add("-Dapicurio.rest.deletion.artifact.enabled=true");
        command.add("-Dapicurio.rest.deletion.artifact-version.enabled=true");
        if (options.dataDir() != null) {
            Path db = options.dataDir().toAbsolutePath().resolve("registry");
            try {
                Files.createDirectories(db);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the registry's data directory " + db, e);
            }
            command.add("-Dapicurio.storage.kind=sql");
            command.add("-Dapicurio.storage.sql.kind=h2");
            // WRITE_DELAY=0: a registration survives even a kill -9 right after it (measured)
            command.add("-Dapicurio.datasource.url=jdbc:h2:file:" + db.resolve("registry") + ";WRITE_DELAY=0");
            command.add("-Dapicurio.datasource.username=sa");
            command.add("-Dapicurio.datasource.password=sa");
        }
        command.add("-jar");
        command.add(runner.toString());
        ProcessBuilder builder = new ProcessBuilder(withWatchdog(command)).redirectErrorStream(true);
        if (options.logFile() != null) {
            try {
                Files.createDirectories(options.logFile().toAbsolutePath().getParent());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            builder.redirectOutput(ProcessBuilder.Redirect.appendTo(options.logFile().toFile()));
        } else {
            builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the schema registry (" + runner + ")", e);
        }
        ApicurioRegistry registry = new ApicurioRegistry(process, options);
        try {
            registry.awaitReady(options.startTimeout());
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
        return registry;
    }

    /**
     * Runs the registry under a small shell that stops it when this JVM goes away, even by kill -9:
     * otherwise an orphaned registry keeps the port and the next start fails. The shell starts the
     * watchdog loop in the background and then becomes the registry ({@code exec}), so the
     * {@link Process} is the registry's JVM itself: its pid, its exit and {@code destroy()} are the
     * registry's, which is what {@link SupervisedRegistry} watches.
     */
    static List<String> withWatchdog(List<String> command) {
        if (!Files.isExecutable(Path.of("/bin/sh"))) {
            return command;
        }
        StringBuilder quoted = new StringBuilder();
        for (String arg : command) {
            quoted.append(" '").append(arg.replace("'", "'\\''")).append('\'');
        }
        long parent = ProcessHandle.current().pid();
        String script = "exec 0</dev/null; "
                + "(while kill -0 " + parent + " 2>/dev/null && kill -0 $$ 2>/dev/null; do sleep 1; done; "
                + "kill $$ 2>/dev/null) & "
                + "exec" + quoted;
        // its own session: nothing the registry (or a terminal's Ctrl-C) does to its process group
        // reaches the JVM that started it, and the watchdog alone decides when it stops
        return Files.isExecutable(Path.of("/usr/bin/setsid"))
                ? List.of("/usr/bin/setsid", "/bin/sh", "-c", script)
                : List.of("/bin/sh", "-c", script);
    }

    /** Base URL of the Confluent-compatible API, e.g. {@code http://localhost:8081/apis/ccompat/v7}. */
    public String confluentUrl() {
        return "http://" + options.host() + ":" + options.port() + CONFLUENT_PATH;
    }

    public int port() {
        return options.port();
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** The registry JVM's process id. */
    public long pid() {
        return process.pid();
    }

    /** Completes with the exit code when the registry process ends, however it ends (128 + N: signal N). */
    public java.util.concurrent.CompletableFuture<Integer> onExit() {
        return process.onExit().thenApply(Process::exitValue);
    }

    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(confluentUrl() + "/subjects"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the schema registry exited with code " + process.exitValue()
                        + " while starting" + (options.logFile() != null ? "; see " + options.logFile() : ""));
            }
            try {
                if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    log.info("schema registry ready at {} (pid {})", confluentUrl(), process.pid());
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the schema registry", e);
            }
            sleep(100);
        }
        throw new IllegalStateException("the schema registry did not answer at " + confluentUrl() + " within "
                + timeout.toSeconds() + " s" + (options.logFile() != null ? "; see " + options.logFile() : ""));
    }

    /** Stops the registry: SIGTERM, then a kill after 10 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                log.warn("schema registry did not stop within 10 s; killing it");
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    // ---- locating and unpacking the runner ----

    /**
     * The runner jar, unpacked on first use from the archive the build fetched (path recorded in
     * {@code apicurio.properties}), or from {@code $HARK_APICURIO_ZIP} / {@code -Dhark.apicurio.zip}.
     */
    public static synchronized Path runnerJar() {
        Properties props = new Properties();
        try (InputStream in = ApicurioRegistry.class.getResourceAsStream("apicurio.properties")) {
            if (in != null) {
                props.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String version = props.getProperty("version", "3.0.9");
        String zipSetting = firstNonBlank(System.getProperty("hark.apicurio.zip"), System.getenv("HARK_APICURIO_ZIP"),
                props.getProperty("zip"));
        if (zipSetting == null) {
            throw new IllegalStateException("no Apicurio Registry archive configured; build with ./mvnw or set HARK_APICURIO_ZIP");
        }
        Path zip = Path.of(zipSetting);
        if (!Files.isRegularFile(zip)) {
            throw new IllegalStateException("Apicurio Registry archive not found at " + zip
                    + "; run ./mvnw install (it fetches io.apicurio:apicurio-registry-app:" + version
                    + ":zip:all from Maven Central) or set HARK_APICURIO_ZIP");
        }
        String jarName = "apicurio-registry-app-" + version + "-runner.jar";
        Path home = cacheDir().resolve("apicurio-registry-" + version);
        Path jar = home.resolve(jarName);
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        try {
            Files.createDirectories(home.getParent());
            Path tmp = Files.createTempDirectory(home.getParent(), "unpacking-");
            unzip(zip, tmp);
            try {
                Files.move(tmp, home, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // another process unpacked it first
                deleteTree(tmp);
            } catch (IOException e) {
                if (!Files.isRegularFile(jar)) {
                    throw e;
                }
                deleteTree(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + zip + " into " + home, e);
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(zip + " does not contain " + jarName);
        }
        return jar;
    }

    private static Path cacheDir() {
        String configured = firstNonBlank(System.getProperty("hark.cache.dir"), System.getenv("HARK_CACHE_DIR"));
        if (configured != null) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("hark");
    }

    private static void unzip(Path zip, Path target) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                Path out = target.resolve(entry.getName()).normalize();
                if (!out.startsWith(target)) {
                    throw new IOException("archive entry escapes the target directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
