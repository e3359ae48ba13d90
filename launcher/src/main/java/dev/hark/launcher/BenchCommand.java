package dev.hark.launcher;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.avro.AudioClip;
import dev.hark.avro.ModelRelease;
import dev.hark.kafka.ClusterConfig;
import dev.hark.producer.ReliableProducer;
import dev.hark.producer.device.OutcomeWatcher;
import dev.hark.producer.simulate.Recording;
import dev.hark.producer.simulate.Simulation;
import dev.hark.producer.simulate.SimulationReport;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroSerializer;
import dev.hark.trainer.OfflineTraining;
import dev.hark.trainer.data.Dataset;
import dev.hark.trainer.model.TrainingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hark bench}: how much this machine takes, before deploying — replay throughput, then a live
 * sweep over device counts with the simulate report and the CPU each service used at every step.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure what this machine takes, like Kafka's perf-test tools:",
                "  1. start a local Kafka, schema registry and Hark's services (or use --bootstrap-servers);",
                "  2. install a model: --model (as `hark models publish --champion`), else train a quick one from "
                        + "--data (--epochs) and publish it;",
                "  3. replay: --clips unlabeled clips from --data sent to audio.clips as fast as Kafka takes them; "
                        + "clips/s from the first send to the last prediction;",
                "  4. live sweep: for each --devices count, simulated devices speak for --step-duration (as `hark "
                        + "simulate`), with the simulate report's numbers and the CPU of each service;",
                "  5. print a table and write --json.",
                "",
                "CPU: with the embedded stack everything but the schema registry runs in this process; each "
                        + "service's share is the CPU time of its threads (ThreadMXBean, grouped by thread name: "
                        + "hark-feature-stream*, hark-classifier-stream*, the trainer, Kafka's broker threads, the "
                        + "simulator's loop, sender and watcher); jvm = process CPU not in any Java thread (GC, JIT). "
                        + "With --bootstrap-servers only this process (the simulator) is measured."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "DIR", description = "Recordings ({digit}_{speaker}_{take}.wav; "
            + DataDir.DEFAULTS + ").")
    Path data;

    @Option(names = "--model", paramLabel = "FILE.onnx|DIR", description = "The model to serve (a Hark ONNX file or a "
            + "hark train folder); default: train a quick one from --data.")
    Path model;

    @Option(names = "--clips", paramLabel = "N", defaultValue = "2000", description = "Clips to replay (default: ${DEFAULT-VALUE}; 0: no replay step).")
    int clips;

    @Option(names = "--devices", paramLabel = "N,N,...", split = ",", defaultValue = "10,100,300,1000,2000",
            description = "Device counts of the live sweep (default: ${DEFAULT-VALUE}).")
    List<Integer> devices;

    @Option(names = "--step-duration", paramLabel = "DURATION", defaultValue = "60s",
            description = "How long devices speak at each step (default: ${DEFAULT-VALUE}).")
    String stepDuration;

    @Option(names = "--settle", paramLabel = "DURATION", defaultValue = "20s",
            description = "After a step's last chunk (or the replay's last clip), stop waiting for answers once nothing "
                    + "new came for this long (default: ${DEFAULT-VALUE}).")
    String settle;

    @Option(names = "--json", paramLabel = "OUT", description = "Write the results as JSON.")
    Path json;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "8",
            description = "Epochs of the quick model when no --model is given (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "2", description = "Training threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "./.hark-bench",
            description = "Where the embedded stack's state goes, a new folder per run (default: ${DEFAULT-VALUE}); "
                    + "removed at the end unless --keep.")
    Path workDir;

    @Option(names = "--keep", description = "Keep this run's folder (logs, Kafka data).")
    boolean keep;

    @picocli.CommandLine.Mixin
    ClusterOptions clusterOptions = new ClusterOptions();

    @Override
    public Integer call() throws Exception {
        PrintStream err = System.err;
        long stepMs = Durations.parseMs(stepDuration);
        long settleMs = Durations.parseMs(settle);
        if (devices.isEmpty() || devices.stream().anyMatch(d -> d < 1 || d > 10_000)) {
            throw new IllegalArgumentException("--devices: counts between 1 and 10000, e.g. 10,100,1000");
        }
        if (clips < 0) {
            throw new IllegalArgumentException("--clips must be 0 or more");
        }
        Path dataDir = DemoData.resolve(data);
        boolean external = clusterOptions.bootstrap != null || clusterOptions.registryUrl != null;
        Path run = workDir.resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
                .toAbsolutePath().normalize();
        Files.createDirectories(run);
        Map<String, Object> result = new LinkedHashMap<>();
        LocalStack stack = null;
        Services services = Services.none();
        try {
            ClusterConfig cluster;
            if (external) {
                cluster = clusterOptions.cluster();
                err.println("Using Kafka " + cluster.bootstrapServers() + " and registry " + cluster.registryUrl());
            } else {
                Logging.toFile(run.resolve("logs/hark.log"));
                err.println("Starting Kafka, the schema registry and Hark's services (state in " + run + ") ...");
                stack = LocalStack.start(new LocalStack.Settings(run, "localhost", freePort(), freePort(), freePort(), 3,
                        Map.of()));
                cluster = new ClusterConfig(stack.bootstrapServers(), stack.registryUrl());
                services = Services.start(cluster, run.resolve("streams"));
                if (!services.awaitRunning(Duration.ofMinutes(2))) {
                    throw new IllegalStateException("the stream services did not start within 2 minutes; see "
                            + run.resolve("logs/hark.log"));
                }
            }
            SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
            registry.checkReachable();
            result.put("stack", external ? Map.of("bootstrap_servers", cluster.bootstrapServers(), "embedded", false)
                    : Map.of("embedded", true, "services", services.describe(), "partitions", 3));
            result.put("cores", Runtime.getRuntime().availableProcessors());

            ModelRelease release = installModel(cluster, registry, dataDir, run, err);
            result.put("model", Map.of("version", release.getVersion(), "feature_config", release.getFeatureConfigId(),
                    "source", model != null ? model.toString() : "trained by hark bench, " + epochs + " epochs"));
            awaitServing(cluster, registry, release.getVersion(), err);

            List<Recording> recordings = SimulateCommand.load(dataDir, e -> true, err);
            if (clips > 0) {
                Map<String, Object> replay = replay(cluster, registry, recordings, clips, Duration.ofMillis(settleMs));
                result.put("replay", replay);
                err.printf(Locale.ROOT, "replay: %d clips, %.0f clips/s end to end%n", clips, (double) replay.get("clips_per_s"));
            }
            List<Map<String, Object>> steps = new ArrayList<>();
            result.put("cpu_method", external ? "process: only this process (the simulator) is measured"
                    : "threads: CPU time per thread (ThreadMXBean) grouped by thread name, in the one process that runs "
                    + "Kafka, the services and the simulator; the schema registry (a separate process) is not counted");
            result.put("steps", steps);
            for (int n : devices) {
                steps.add(step(cluster, registry, recordings, n, stepMs, settleMs));
                if (json != null) {
                    SimulateCommand.writeJson(result, json); // so far: a long sweep stopped early still leaves its numbers
                }
            }
        } finally {
            services.close();
            if (stack != null) {
                stack.close();
            }
            if (!keep) {
                DemoData.deleteTree(run);
            }
        }
        print(result, System.out);
        if (json != null) {
            SimulateCommand.writeJson(result, json);
        }
        return ExitCodes.OK;
    }

    private ModelRelease installModel(ClusterConfig cluster, SchemaRegistryClient registry, Path dataDir, Path run,
                                      PrintStream err) throws Exception {
        Path source = model;
        if (source == null) {
            Path out = run.resolve("model");
            err.printf("Training a quick model from %s (%d epochs; give --model to use your own) ...%n", dataDir, epochs);
            TrainingOptions options = TrainingOptions.defaults().withEpochs(epochs).withThreads(threads);
            OfflineTraining.Request request = new OfflineTraining.Request(dataDir, out, FeatureSpec.defaults(), options, 1,
                    List.of());
            TrainCommand.Bars bars = new TrainCommand.Bars();
            Dataset ds = OfflineTraining.load(request, bars);
            bars.finishLoading(ds);
            OfflineTraining.Outcome o = OfflineTraining.train(request, ds, bars);
            err.printf(Locale.ROOT, "quick model: %.2f%% on the %s%n", 100 * o.evaluation().accuracy(), o.evaluationSet());
            source = out;
        }
        ModelRelease r = ModelImport.publish(cluster, registry, source, null, true, "hark bench");
        err.printf("published %s as v%d, champion%n", source, r.getVersion());
        return r;
    }

    /** Sends a probe clip every few seconds until a prediction by {@code version} comes back. */
    static void awaitServing(ClusterConfig cluster, SchemaRegistryClient registry, int version, PrintStream err)
            throws InterruptedException {
        String device = "bench-probe-" + UUID.randomUUID().toString().substring(0, 8);
        AtomicInteger served = new AtomicInteger();
        ProgressBar bar = new ProgressBar("loading v" + version, 1);
        long start = System.nanoTime();
        try (OutcomeWatcher watcher = new OutcomeWatcher(cluster, registry, device::equals, false, o -> {
            if (o.kind() == OutcomeWatcher.Kind.PREDICTION && o.modelVersion() == version) {
                served.incrementAndGet();
            }
        });
             KafkaProducer<String, AudioClip> producer = producer(cluster, registry)) {
            short[] tone = new short[4000];
            for (int i = 0; i < tone.length; i++) {
                tone[i] = (short) (8000 * Math.sin(2 * Math.PI * 300 * i / 8000.0));
            }
            int probe = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (served.get() == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the classifier did not serve v" + version + " within 3 minutes");
                }
                producer.send(new ProducerRecord<>(Topics.AUDIO_CLIPS.name(), device + "-" + probe,
                        clip(device + "-" + probe, device, "probe", tone)));
                probe++;
                producer.flush();
                for (int i = 0; i < 30 && served.get() == 0; i++) {
                    Thread.sleep(100);
                }
                bar.update(0, String.format(Locale.ROOT, "waiting for the classifier, %.0f s",
                        (System.nanoTime() - start) / 1e9));
            }
        }
        bar.done(1, "the classifier serves v" + version);
    }

    /**
     * Replay throughput: {@code n} unlabeled clips (the recordings, round and round) sent to
     * {@code audio.clips} as fast as Kafka takes them; clips/s from the first send to the last prediction.
     */
    static Map<String, Object> replay(ClusterConfig cluster, SchemaRegistryClient registry, List<Recording> recordings,
                                      int n, Duration settle) throws InterruptedException {
        String device = "bench-replay-" + UUID.randomUUID().toString().substring(0, 8);
        List<AudioClip> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Recording r = recordings.get(i % recordings.size());
            batch.add(clip(device + "-" + i, device, r.name(), r.pcm()));
        }
        ConcurrentLinkedQueue<OutcomeWatcher.Outcome> outcomes = new ConcurrentLinkedQueue<>();
        AtomicInteger answered = new AtomicInteger();
        ProgressBar bar = new ProgressBar("replay", n);
        long firstSend;
        long sendEnd;
        AtomicInteger sendFailures = new AtomicInteger();
        try (OutcomeWatcher watcher = new OutcomeWatcher(cluster, registry, device::equals, false, o -> {
            if (o.kind() != OutcomeWatcher.Kind.CLIP) {
                outcomes.add(o);
                answered.incrementAndGet();
            }
        });
             KafkaProducer<String, AudioClip> producer = producer(cluster, registry)) {
            firstSend = System.currentTimeMillis();
            for (AudioClip c : batch) {
                Instant now = Instant.now();
                c.setCapturedAtMs(now);
                c.setClipCreatedAtMs(now);
                producer.send(new ProducerRecord<>(Topics.AUDIO_CLIPS.name(), c.getClipId(), c), (md, e) -> {
                    if (e != null) {
                        sendFailures.incrementAndGet();
                    }
                });
            }
            producer.flush();
            sendEnd = System.currentTimeMillis();
            long lastChange = System.currentTimeMillis();
            int seen = 0;
            while (answered.get() < n - sendFailures.get()) {
                Thread.sleep(50);
                int now = answered.get();
                if (now != seen) {
                    seen = now;
                    lastChange = System.currentTimeMillis();
                }
                bar.update(now, String.format(Locale.ROOT, "%d answered", now));
                if (System.currentTimeMillis() - lastChange > settle.toMillis()) {
                    break;
                }
            }
        }
        int predictions = 0;
        int dead = 0;
        int duplicates = 0;
        long last = firstSend;
        Set<String> ids = new HashSet<>();
        List<Long> latency = new ArrayList<>();
        for (OutcomeWatcher.Outcome o : outcomes) {
            if (o.clipId() != null && !ids.add(o.clipId())) {
                duplicates++;
                continue;
            }
            if (o.kind() == OutcomeWatcher.Kind.PREDICTION) {
                predictions++;
                latency.add(o.predictedAtMs() - o.clipCreatedAtMs());
            } else {
                dead++;
            }
            last = Math.max(last, o.receivedAtMs());
        }
        double seconds = Math.max(1e-3, (last - firstSend) / 1000.0);
        bar.done(n, String.format(Locale.ROOT, "%d predictions, %.0f clips/s", predictions, predictions / seconds));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clips", n);
        m.put("send_failures", sendFailures.get());
        m.put("predictions", predictions);
        m.put("dead_letters", dead);
        m.put("unaccounted", n - sendFailures.get() - predictions - dead);
        m.put("duplicates", duplicates);
        m.put("seconds", seconds);
        m.put("clips_per_s", predictions / seconds);
        m.put("send_clips_per_s", n / Math.max(1e-3, (sendEnd - firstSend) / 1000.0));
        m.put("clip_to_prediction_ms", SimulationReport.Latency.of(latency).toJson());
        return m;
    }

    private Map<String, Object> step(ClusterConfig cluster, SchemaRegistryClient registry, List<Recording> recordings,
                                     int n, long stepMs, long settleMs) throws InterruptedException {
        Simulation.Settings settings = Simulation.Settings.defaults(n, Duration.ofMillis(stepMs))
                .withSettle(Duration.ofMillis(settleMs));
        double planned = stepMs / 1000.0;
        ProgressBar bar = new ProgressBar(String.format(Locale.ROOT, "%5d devices", n), (long) Math.max(1, planned));
        CpuTracker cpu = new CpuTracker();
        String threadName = Thread.currentThread().getName();
        Thread.currentThread().setName("hark-bench-simulator");
        SimulationReport report;
        try {
            report = Simulation.run(cluster, registry, recordings, settings, p -> bar.update(
                    p.sending() ? (long) Math.min(planned, p.elapsedS()) : (long) planned,
                    String.format(Locale.ROOT, "%s%d utterances, %d predictions%s", p.sending() ? "" : "waiting for answers: ",
                            p.utterancesSent(), p.predictions(),
                            p.sending() && p.maxLateMs() > 100 ? ", chunks " + p.maxLateMs() + " ms late" : "")));
        } finally {
            Thread.currentThread().setName(threadName);
        }
        Map<String, Object> cpuUsed = cpu.result();
        bar.done((long) planned, String.format(Locale.ROOT, "%d utterances, %d predictions, accuracy %.1f%%",
                report.utterancesSent(), report.predictions(), 100 * report.accuracy()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("devices", n);
        m.put("step_duration_s", planned);
        Map<String, Object> r = report.toJson();
        m.put("accuracy", r.get("accuracy"));
        m.put("unaccounted", r.get("unaccounted"));
        m.put("spurious", r.get("spurious"));
        m.put("split", r.get("split_utterances"));
        m.put("duplicates", r.get("duplicate_predictions"));
        m.put("endpoint_ms", r.get("endpoint_ms"));
        m.put("pipeline_ms", r.get("pipeline_ms"));
        m.put("throughput", r.get("throughput_clips_per_s"));
        m.put("cpu", cpuUsed);
        m.put("report", r);
        return m;
    }

    /**
     * CPU time by service over an interval: every thread's CPU time sampled every 200 ms (a thread that
     * ends during the interval, such as the simulator's sender, keeps its last sample), grouped by
     * thread name; and the process's CPU time.
     */
    static final class CpuTracker implements AutoCloseable {
        private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        private final Map<Long, Long> first = new HashMap<>();
        private final Map<Long, Long> last = new HashMap<>();
        private final Map<Long, String> names = new HashMap<>();
        private final long wall0 = System.nanoTime();
        private final long process0 = processNs();
        private final Thread sampler;
        private volatile boolean running = true;

        CpuTracker() {
            sample(true);
            sampler = new Thread(() -> {
                while (running) {
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                    sample(false);
                }
            }, "hark-bench-cpu");
            sampler.setDaemon(true);
            sampler.start();
        }

        private synchronized void sample(boolean start) {
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                long ns = mx.getThreadCpuTime(t.getId());
                if (ns < 0) {
                    continue;
                }
                if (start) {
                    first.put(t.getId(), ns);
                }
                last.put(t.getId(), ns);
                names.put(t.getId(), t.getName());
            }
        }

        private static long processNs() {
            return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                    ? os.getProcessCpuTime() : -1;
        }

        /** Cores used by each group over the interval ({@code cores}) and its share of the process's CPU. */
        Map<String, Object> result() {
            close();
            double wall = (System.nanoTime() - wall0) / 1e9;
            double process = (processNs() - process0) / 1e9;
            Map<String, Double> byGroup = new TreeMap<>();
            double threads = 0;
            synchronized (this) {
                for (Map.Entry<Long, Long> e : last.entrySet()) {
                    double s = (e.getValue() - first.getOrDefault(e.getKey(), 0L)) / 1e9;
                    byGroup.merge(group(names.get(e.getKey())), s, Double::sum);
                    threads += s;
                }
            }
            if (process > threads) {
                byGroup.merge("jvm", process - threads, Double::sum); // GC, JIT
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("wall_s", wall);
            m.put("process_cpu_s", process);
            m.put("process_cores", process / wall);
            Map<String, Object> groups = new LinkedHashMap<>();
            for (Map.Entry<String, Double> e : byGroup.entrySet()) {
                groups.put(e.getKey(), Map.of("cpu_s", e.getValue(), "cores", e.getValue() / wall,
                        "share", process > 0 ? e.getValue() / process : 0.0));
            }
            m.put("services", groups);
            return m;
        }

        @Override
        public void close() {
            if (running) {
                running = false;
                sampler.interrupt();
                try {
                    sampler.join(1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                sample(false);
            }
        }
    }

    /** The service a thread works for, by its name. */
    static String group(String name) {
        if (name == null) {
            return "other";
        }
        if (name.contains("hark-feature-stream")) {
            return "feature-stream";
        }
        if (name.contains("hark-classifier-stream")) {
            return "classifier-stream";
        }
        if (name.contains("trainer")) {
            return "trainer";
        }
        if (name.contains("hark-chunk-sender") || name.startsWith("hark-outcome-watcher")
                || name.equals("hark-bench-simulator") || name.equals("hark-bench-cpu")) {
            return "simulator";
        }
        if (name.startsWith("kafka-producer-network-thread") || name.startsWith("kafka-coordinator-heartbeat")
                || name.startsWith("kafka-admin-client")) {
            return "other";
        }
        if (name.startsWith("data-plane-kafka") || name.startsWith("kafka-") || name.startsWith("group-coordinator")
                || name.startsWith("share-") || name.startsWith("quorum-controller") || name.startsWith("raft-")
                || name.startsWith("ExpirationReaper") || name.startsWith("transaction-") || name.startsWith("persister")
                || name.contains("broker") || name.contains("controller") || name.startsWith("LogDirFailureHandler")
                || name.startsWith("executor-") || name.startsWith("kafka")) {
            return "kafka";
        }
        return "other";
    }

    static KafkaProducer<String, AudioClip> producer(ClusterConfig cluster, SchemaRegistryClient registry) {
        Properties p = ReliableProducer.properties(cluster, 5);
        p.put(org.apache.kafka.clients.producer.ProducerConfig.CLIENT_ID_CONFIG, "hark-bench-" + UUID.randomUUID());
        return new KafkaProducer<>(p, new StringSerializer(), new AvroSerializer<>(registry));
    }

    static AudioClip clip(String clipId, String device, String source, short[] pcm) {
        ByteBuffer b = ByteBuffer.allocate(pcm.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(pcm);
        Instant now = Instant.now();
        return AudioClip.newBuilder().setClipId(clipId).setSource(source).setDeviceId(device).setSampleRate(8000)
                .setPcm(b).setCapturedAtMs(now).setClipCreatedAtMs(now).build();
    }

    @SuppressWarnings("unchecked")
    static void print(Map<String, Object> result, PrintStream out) {
        out.println();
        if (result.get("replay") instanceof Map<?, ?> r) {
            Map<String, Object> lat = (Map<String, Object>) r.get("clip_to_prediction_ms");
            out.printf(Locale.ROOT, "replay: %s clips, %s predictions, %s dead letters, %s unaccounted: %.0f clips/s end to "
                            + "end (sent at %.0f/s), clip→prediction p50 %s ms p99 %s ms%n", r.get("clips"),
                    r.get("predictions"), r.get("dead_letters"), r.get("unaccounted"), (double) r.get("clips_per_s"),
                    (double) r.get("send_clips_per_s"), num(lat.get("p50")), num(lat.get("p99")));
        }
        List<Map<String, Object>> steps = (List<Map<String, Object>>) result.getOrDefault("steps", List.of());
        if (steps.isEmpty()) {
            return;
        }
        out.printf(Locale.ROOT, "%7s %6s %7s %5s %5s %5s %4s %13s %13s %7s %9s  %s%n", "devices", "utts", "acc%", "unacc",
                "spur", "split", "dup", "endpt p50/p99", "pipe p50/p99", "clips/s", "late p99", "CPU cores by service");
        for (Map<String, Object> s : steps) {
            Map<String, Object> r = (Map<String, Object>) s.get("report");
            Map<String, Object> e = (Map<String, Object>) s.get("endpoint_ms");
            Map<String, Object> p = (Map<String, Object>) s.get("pipeline_ms");
            Map<String, Object> chunks = (Map<String, Object>) r.get("chunks");
            Map<String, Object> late = (Map<String, Object>) chunks.get("late_ms");
            Map<String, Object> cpu = (Map<String, Object>) s.get("cpu");
            StringBuilder services = new StringBuilder(String.format(Locale.ROOT, "total %.2f:", (double) cpu.get("process_cores")));
            ((Map<String, Object>) cpu.get("services")).forEach((k, v) -> services.append(String.format(Locale.ROOT,
                    " %s %.2f", k, (double) ((Map<String, Object>) v).get("cores"))));
            out.printf(Locale.ROOT, "%7s %6s %7.2f %5s %5s %5s %4s %13s %13s %7.1f %9s  %s%n", s.get("devices"),
                    r.get("utterances_sent"), 100 * (double) s.get("accuracy"), s.get("unaccounted"), s.get("spurious"),
                    s.get("split"), s.get("duplicates"), num(e.get("p50")) + "/" + num(e.get("p99")),
                    num(p.get("p50")) + "/" + num(p.get("p99")), (double) s.get("throughput"), num(late.get("p99")),
                    services);
        }
        out.println("endpt = end of speech → clip cut, pipe = clip cut → prediction (ms); late = how late the simulator "
                + "sent a chunk interval's chunks (ms); " + result.get("cpu_method"));
    }

    private static String num(Object o) {
        return o instanceof Double d && !d.isNaN() ? String.format(Locale.ROOT, "%.0f", d) : "-";
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
