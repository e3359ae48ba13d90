package dev.hark.launcher.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.testing.SharedData;
import dev.hark.producer.simulate.Recording;
import dev.hark.producer.simulate.Simulation;
import dev.hark.producer.simulate.SimulationReport;

/**
 * The soak: {@code hark simulate}'s devices (100 by default) speaking FSDD recordings in real time
 * for {@code hark.soak.minutes} (10 by default; 1 for a quick look) against the feature stream and the
 * classifier stream running as their own JVMs, while each JVM's heap and RSS are sampled every 10 s
 * ({@link MemorySampler}); every 60 s (20 s in short runs) the sampler asks for a full GC and records
 * the live heap. After the warm-up (a fifth of the run, 20 s to 2 min) the live heap and the RSS must
 * be flat: their least-squares slopes are reported in MB per minute and, for runs with at least 4
 * minutes after the warm-up, held to {@code hark.soak.maxLiveSlope} (0.5 MB/min) and {@code hark.soak.maxRssSlope}
 * (1 MB/min).
 *
 * <p>Writes {@code soak.csv}, {@code soak.svg}, {@code soak.png} and {@code soak.md} to
 * {@code launcher/target/soak/<time>/} with the services' logs; with {@code -Dhark.soak.nmt=true} also
 * each service's Native Memory Tracking diff from the end of the warm-up to the end
 * ({@code nmt-<service>.txt}: which JVM areas grew; RocksDB and ONNX Runtime allocate outside them).
 * The services run with their product configuration, RocksDB memory bounded by
 * {@link dev.hark.streams.BoundedRocksDbMemory}.
 * Tag {@code soak}: run with {@code ./mvnw -B -Psoak verify -pl launcher -am [-Dhark.soak.minutes=1]}
 * (docs/faults.md).
 */
@Tag("soak")
class SoakTest {
    static final double MINUTES = Double.parseDouble(System.getProperty("hark.soak.minutes", "10"));
    static final int DEVICES = Integer.getInteger("hark.soak.devices", 100);
    static final int BROKERS = Integer.getInteger("hark.soak.brokers", 1);
    static final double MAX_LIVE_SLOPE = Double.parseDouble(System.getProperty("hark.soak.maxLiveSlope", "0.5"));
    static final double MAX_RSS_SLOPE = Double.parseDouble(System.getProperty("hark.soak.maxRssSlope", "1.0"));
    /** With {@code -Dhark.soak.nmt=true}: Native Memory Tracking, a baseline after the warm-up and a diff at the end. */
    static final boolean NMT = Boolean.getBoolean("hark.soak.nmt");
    /** A fixed, pre-touched heap: RSS then shows native memory growth, not the heap being touched page by page. */
    static final List<String> SERVICE_JVM = NMT
            ? List.of("-Xms384m", "-Xmx384m", "-XX:+AlwaysPreTouch", "-XX:+ExitOnOutOfMemoryError",
                    "-XX:NativeMemoryTracking=summary")
            : List.of("-Xms384m", "-Xmx384m", "-XX:+AlwaysPreTouch", "-XX:+ExitOnOutOfMemoryError");

    /** {@code jcmd PID VM.native_memory <what>}. */
    static String nmt(ServiceProcess s, String what) {
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    String.valueOf(s.pid()), "VM.native_memory", what).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (Exception e) {
            return "jcmd failed: " + e;
        }
    }

    /** Least-squares slope in MB per minute of {@code value} over the samples at or after {@code fromS}. */
    static double slopePerMinute(List<MemorySampler.Sample> samples, ToDoubleFunction<MemorySampler.Sample> value, double fromS) {
        double n = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (MemorySampler.Sample s : samples) {
            double v = value.applyAsDouble(s);
            if (s.tS() >= fromS && !Double.isNaN(v)) {
                double x = s.tS() / 60.0;
                n++;
                sx += x;
                sy += v;
                sxx += x * x;
                sxy += x * v;
            }
        }
        return n < 3 ? Double.NaN : (n * sxy - sx * sy) / (n * sxx - sx * sx);
    }

    static double[] range(List<MemorySampler.Sample> samples, ToDoubleFunction<MemorySampler.Sample> value, double fromS) {
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (MemorySampler.Sample s : samples) {
            double v = value.applyAsDouble(s);
            if (s.tS() >= fromS && !Double.isNaN(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        return new double[] {min, max};
    }

    @Test
    void hundredDevicesForTenMinutesLeaveHeapAndRssFlat() throws Exception {
        Path fsdd = SharedData.requireFsdd();
        String run = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path dir = Path.of(System.getProperty("hark.soak.dir", "target/soak")).toAbsolutePath().resolve(run);
        List<Recording> recordings = Recording.load(DatasetFiles.list(fsdd), e -> true, 8_000).recordings();
        double seconds = MINUTES * 60;
        double warmUpS = Math.min(120, Math.max(20, seconds / 5));

        SimulationReport result;
        List<MemorySampler.Sample> samples;
        try (FaultStack stack = FaultStack.start(dir, BROKERS, FaultStack.Membership.fromProperty(), SERVICE_JVM)) {
            List<ServiceProcess> services = List.of(stack.features, stack.classifier);
            java.util.concurrent.ScheduledExecutorService nmtBaseline = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            if (NMT) {
                nmtBaseline.schedule(() -> services.forEach(s -> nmt(s, "baseline")), (long) warmUpS,
                        java.util.concurrent.TimeUnit.SECONDS);
            }
            try (MemorySampler sampler = new MemorySampler(services, 10, Math.min(60, Math.max(20, seconds / 10))).start()) {
                Simulation.Settings settings = Simulation.Settings.defaults(DEVICES, Duration.ofMillis((long) (seconds * 1000)))
                        .withSettle(Duration.ofSeconds(30));
                long[] lastPrint = {0};
                result = Simulation.run(stack.cluster, stack.registryClient, recordings, settings, p -> {
                    if (p.elapsedS() - lastPrint[0] >= 30) {
                        lastPrint[0] = (long) p.elapsedS();
                        System.out.printf(Locale.ROOT, "soak %5.0f s: %d utterances, %d predictions, %d dead letters, %d chunks dropped%n",
                                p.elapsedS(), p.utterancesSent(), p.predictions(), p.deadLetters(), p.chunksDropped());
                    }
                });
                samples = sampler.samples();
                nmtBaseline.shutdownNow();
                if (NMT) {
                    Files.createDirectories(dir);
                    for (ServiceProcess s : services) {
                        Files.writeString(dir.resolve("nmt-" + s.name + ".txt"), nmt(s, "summary.diff"), StandardCharsets.UTF_8);
                    }
                }
                for (ServiceProcess s : services) {
                    assertTrue(s.alive(), s.name + " survived the soak; log:\n" + s.tail(30));
                }
            }
        }

        // CSV, SVG, summary
        Files.createDirectories(dir);
        StringBuilder csv = new StringBuilder("service,t_s,heap_used_mb,heap_after_gc_mb,live_heap_mb,rss_mb,threads,cpu_s\n");
        for (MemorySampler.Sample s : samples) {
            csv.append(String.format(Locale.ROOT, "%s,%.1f,%s,%s,%s,%s,%s,%s%n", s.service(), s.tS(), num(s.heapUsedMb()),
                    num(s.heapAfterGcMb()), num(s.liveHeapMb()), num(s.rssMb()), num(s.threads()), num(s.cpuS())));
        }
        Files.writeString(dir.resolve("soak.csv"), csv, StandardCharsets.UTF_8);
        String title = String.format(Locale.ROOT, "Hark soak: %d devices, %.0f min, %d core(s), %s", DEVICES, MINUTES,
                Runtime.getRuntime().availableProcessors(), run);
        List<String> names = List.of("feature-stream", "classifier-stream");
        Files.writeString(dir.resolve("soak.svg"), SoakPlot.svg(title, samples, names, warmUpS), StandardCharsets.UTF_8);
        Files.write(dir.resolve("soak.png"), SoakPlot.png(title, samples, names, warmUpS));

        Map<String, double[]> slopes = new LinkedHashMap<>();
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "# %s%n%n%d utterances sent, %d clips, %d predictions, "
                + "%d dead letters, %d unaccounted, %d spurious; %.1f clips/s; pipeline ms p50 %.0f p99 %.0f; chunks %s%n%n"
                + "After the warm-up (%.0f s):%n%n"
                + "| service | live heap (MB) | live heap slope (MB/min) | heap after GC slope (MB/min) | heap used (MB) | "
                + "RSS (MB) | RSS slope (MB/min) | threads |%n|---|---|---|---|---|---|---|---|%n", title, result.utterancesSent(),
                result.clips(), result.predictions(), result.deadLetters(), result.unaccounted(), result.spurious(),
                result.throughputClipsPerS(), result.pipelineMs().p50(), result.pipelineMs().p99(), result.chunks(),
                warmUpS));
        for (String service : List.of("feature-stream", "classifier-stream")) {
            List<MemorySampler.Sample> mine = new ArrayList<>(samples.stream().filter(s -> s.service().equals(service)).toList());
            double liveSlope = slopePerMinute(mine, MemorySampler.Sample::liveHeapMb, warmUpS);
            double rssSlope = slopePerMinute(mine, MemorySampler.Sample::rssMb, warmUpS);
            double afterGcSlope = slopePerMinute(mine, MemorySampler.Sample::heapAfterGcMb, warmUpS);
            double[] live = range(mine, MemorySampler.Sample::liveHeapMb, warmUpS);
            double[] used = range(mine, MemorySampler.Sample::heapUsedMb, warmUpS);
            double[] rss = range(mine, MemorySampler.Sample::rssMb, warmUpS);
            double[] threads = range(mine, MemorySampler.Sample::threads, warmUpS);
            slopes.put(service, new double[] {liveSlope, rssSlope});
            md.append(String.format(Locale.ROOT, "| %s | %.1f – %.1f | %+.2f | %+.2f | %.0f – %.0f | %.0f – %.0f | %+.2f | %.0f – %.0f |%n",
                    service, live[0], live[1], liveSlope, afterGcSlope, used[0], used[1], rss[0], rss[1], rssSlope, threads[0],
                    threads[1]));
        }
        Files.writeString(dir.resolve("soak.md"), md, StandardCharsets.UTF_8);
        System.out.println(md);
        System.out.println("soak files: " + dir);

        assertEquals(0, result.unaccounted(), "every utterance answered");
        boolean judged = seconds - warmUpS >= 240;
        for (Map.Entry<String, double[]> e : slopes.entrySet()) {
            if (judged) {
                assertTrue(e.getValue()[0] <= MAX_LIVE_SLOPE, e.getKey() + ": live heap grows " + e.getValue()[0]
                        + " MB/min after the warm-up (limit " + MAX_LIVE_SLOPE + ")\n" + md);
                assertTrue(e.getValue()[1] <= MAX_RSS_SLOPE, e.getKey() + ": RSS grows " + e.getValue()[1]
                        + " MB/min after the warm-up (limit " + MAX_RSS_SLOPE + ")\n" + md);
            }
        }
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.2f", v);
    }
}
