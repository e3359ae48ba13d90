package dev.hark.launcher.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.hark.infra.Ports;

/**
 * One Hark stream service running as its own JVM, exactly as its container runs it: the service's
 * {@code main}, configured by environment variables only (HARK_BOOTSTRAP_SERVERS, HARK_REGISTRY_URL,
 * HARK_STATE_DIR, HARK_METRICS_PORT, HARK_KAFKA_STREAMS_*, HARK_INSTANCE_ID), on the test's class path,
 * with the product's logging ({@code logback.xml}, to stderr) appended to {@code <logDir>/<name>.log}.
 *
 * <p>Can be killed with SIGKILL ({@link #sigkill()}: no shutdown hook, no leave-group, an open
 * transaction left behind) and started again on the same state directory.
 */
final class ServiceProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$",
            Pattern.MULTILINE);

    final String name;
    private final String mainClass;
    private final Map<String, String> env;
    private final List<String> jvmOptions;
    private final Path log;
    private Process process;
    private int metricsPort;
    private int jmxPort;
    private long startedNanos;
    private int starts;

    /**
     * @param env        the service's environment (HARK_STATE_DIR etc.); HARK_METRICS_PORT is added per start
     * @param jvmOptions heap and GC flags
     */
    ServiceProcess(String name, Class<?> mainClass, Map<String, String> env, List<String> jvmOptions, Path logDir) {
        this.name = name;
        this.mainClass = mainClass.getName();
        this.env = new LinkedHashMap<>(env);
        this.jvmOptions = List.copyOf(jvmOptions);
        this.log = logDir.resolve(name + ".log");
    }

    /** Starts the JVM (a new metrics port and JMX port each time); returns at once. */
    synchronized ServiceProcess start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        metricsPort = Ports.freePort();
        jmxPort = Ports.freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        // the product's logging (stderr) with timestamps to the millisecond and Streams' state transitions
        // (faults-service-logback.xml), not the tests' logback-test.xml; -Dhark.faults.logback=logback.xml for
        // exactly the product's
        command.add("-Dlogback.configurationFile=" + System.getProperty("hark.faults.logback", "faults-service-logback.xml"));
        // JMX on loopback only, for heap-after-GC samples and a forced GC in the soak
        command.add("-Dcom.sun.management.jmxremote.port=" + jmxPort);
        command.add("-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort);
        command.add("-Dcom.sun.management.jmxremote.host=127.0.0.1");
        command.add("-Djava.rmi.server.hostname=127.0.0.1");
        command.add("-Dcom.sun.management.jmxremote.authenticate=false");
        command.add("-Dcom.sun.management.jmxremote.ssl=false");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        builder.environment().put("HARK_METRICS_PORT", String.valueOf(metricsPort));
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, String.format("%n==== %s start %d at %s (metrics :%d, jmx :%d)%n", name, ++starts,
                    Instant.now(), metricsPort, jmxPort), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            startedNanos = System.nanoTime();
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        return this;
    }

    /** kill -9: the JVM gets no chance to leave its group, close its producer or abort its transaction. */
    synchronized void sigkill() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly(); // SIGKILL on Linux
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " still alive 30 s after SIGKILL");
        }
        note("SIGKILLed (exit " + process.exitValue() + ")");
    }

    /** SIGTERM, as a container stop: the service closes its Streams instance and leaves its group. */
    synchronized void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    synchronized long pid() {
        return process.pid();
    }

    synchronized Integer exitValue() {
        return process == null || process.isAlive() ? null : process.exitValue();
    }

    synchronized long startedNanos() {
        return startedNanos;
    }

    synchronized int jmxPort() {
        return jmxPort;
    }

    Path log() {
        return log;
    }

    /** A line in this service's log, from the test (what was done to it, when). */
    void note(String what) {
        try {
            Files.writeString(log, String.format("==== %s %s at %s%n", name, what, Instant.now()),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The body of {@code /health}, or null while the endpoint does not answer. */
    String health() {
        return get("/health");
    }

    /** {@code /health} says the Streams instance is RUNNING (not REBALANCING, not starting). */
    boolean running() {
        String h = health();
        return h != null && h.contains("\"detail\":\"RUNNING");
    }

    /**
     * Waits until {@link #running()}; throws, with the end of the log, when the process exits or the
     * timeout passes.
     */
    void awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!running()) {
            if (!alive()) {
                throw new IllegalStateException(name + " exited with status " + exitValue() + " before RUNNING; log:\n"
                        + tail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " not RUNNING within " + timeout + "; /health: " + health()
                        + "; log:\n" + tail(40));
            }
            Thread.sleep(50);
        }
    }

    /** The sum of the samples of {@code metric} in {@code /metrics} whose labels contain {@code labelPart}, or NaN. */
    double metric(String metric, String labelPart) {
        String text = get("/metrics");
        if (text == null) {
            return Double.NaN;
        }
        double sum = Double.NaN;
        Matcher m = SAMPLE.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(metric) && (labelPart == null || (m.group(2) != null && m.group(2).contains(labelPart)))) {
                double v = Double.parseDouble(m.group(3));
                sum = Double.isNaN(sum) ? v : sum + v;
            }
        }
        return sum;
    }

    /** Resident set size of the JVM (VmRSS in /proc/PID/status), in kB; -1 when not readable. */
    long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    private String get(String path) {
        int port;
        synchronized (this) {
            port = metricsPort;
        }
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * Where the time of the latest start went, read off the log (faults-service-logback.xml): seconds
     * from the start to the Streams client being created (JVM start, registry check, topology), to its
     * first partitions (the group), and to RUNNING; empty when the log does not have them.
     */
    String startPhases() {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            int from = -1;
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i).startsWith("==== " + name + " start ")) {
                    from = i;
                }
            }
            if (from < 0) {
                return "";
            }
            Matcher h = Pattern.compile(" at (\\S+) \\(").matcher(all.get(from));
            if (!h.find()) {
                return "";
            }
            java.time.LocalTime t0 = Instant.parse(h.group(1)).atZone(java.time.ZoneId.systemDefault()).toLocalTime();
            String[][] marks = {{"Kafka Streams version", "Streams client created"},
                    {"to PARTITIONS_ASSIGNED", "partitions assigned"}, {"from REBALANCING to RUNNING", "RUNNING"}};
            StringBuilder sb = new StringBuilder();
            for (String[] mark : marks) {
                for (int i = from + 1; i < all.size(); i++) {
                    String line = all.get(i);
                    if (line.contains(mark[0]) && line.length() > 12) {
                        double s = java.time.Duration.between(t0, java.time.LocalTime.parse(line.substring(0, 12))).toMillis() / 1000.0;
                        sb.append(sb.length() == 0 ? "" : ", ").append(String.format(java.util.Locale.ROOT, "%s %.1f s", mark[1], s));
                        break;
                    }
                }
            }
            return sb.toString();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** The last {@code lines} lines of the log. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
