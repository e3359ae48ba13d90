package dev.hark.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

import dev.hark.avro.ModelRelease;
import dev.hark.classifier.stream.ClassifierService;
import dev.hark.classifier.stream.ClassifierTopology;
import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.features.stream.FeatureStreamService;
import dev.hark.features.stream.FeatureStreamTopology;
import dev.hark.producer.replay.Replayer;
import dev.hark.producer.simulate.Recording;
import dev.hark.producer.simulate.Simulation;
import dev.hark.producer.simulate.SimulationReport;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.trainer.model.EpochStats;
import dev.hark.trainer.model.TrainingListener;
import dev.hark.trainer.model.TrainingOptions;
import dev.hark.trainer.online.OnlineTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hark demo}: the whole system on this machine, as its users would run it — local stack,
 * labeled replay, online training of v1, then live devices speaking the held-back recordings.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run Hark end to end on this machine and report how well it hears:",
                "  1. start a local Kafka, schema registry and Hark's services (fresh, in --work-dir);",
                "  2. replay the training takes (5-49 of every speaker and digit) to audio.clips.labeled;",
                "  3. train model v1 with the online trainer and wait until the classifier serves it;",
                "  4. stream the test takes (0-4) through --devices simulated edge devices, as real-time chunks with "
                        + "pauses and room noise, and match every utterance with its prediction;",
                "  5. print a summary and the simulate JSON (also written with --json).",
                "",
                "Recordings: --data, else $HARK_DATA, else " + DemoData.DEFAULT_DESCRIPTION + " (from "
                        + "github.com/Jakobovski/free-spoken-digit-dataset). Exits 0 when the run completed."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "DIR",
            description = "Labeled recordings ({digit}_{speaker}_{take}.wav); " + DataDir.DEFAULTS + ".")
    Path data;

    @Option(names = "--json", paramLabel = "OUT", description = "Write the report as JSON.")
    Path json;

    @Option(names = "--devices", paramLabel = "N", defaultValue = "10",
            description = "Simulated devices speaking the test takes (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "30",
            description = "Training epochs for v1 (default: ${DEFAULT-VALUE}, as `hark train`).")
    int epochs;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "2", description = "Training threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "./.hark-demo",
            description = "Where this run's Kafka, registry and service state go, in a new folder per run "
                    + "(default: ${DEFAULT-VALUE}); removed at the end unless --keep.")
    Path workDir;

    @Option(names = "--keep", description = "Keep this run's folder (logs, Kafka data) after the demo.")
    boolean keep;

    @Option(names = "--download-url", paramLabel = "URL", hidden = true,
            description = "Where to download FSDD from (default: its GitHub archive).")
    String downloadUrl;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        long t0 = System.nanoTime();
        Map<String, Double> phases = new LinkedHashMap<>();

        Path dataDir = DataDir.choose(data);
        if (!DemoData.hasWavs(dataDir)) {
            if (data != null) {
                throw new IllegalArgumentException("no .wav recordings in " + data);
            }
            java.net.URI url = downloadUrl != null ? java.net.URI.create(downloadUrl) : DemoData.FSDD_ARCHIVE;
            err.println("No recordings in " + dataDir + " yet: downloading the Free Spoken Digit Dataset from " + url);
            DemoData.Downloaded d = DemoData.download(url, dataDir, new ProgressBar("downloading", 1000));
            err.printf(Locale.ROOT, "%d recordings in %s%n", d.recordings(), d.dir());
            phases.put("download_s", secondsSince(t0));
        }
        DatasetFiles files = DatasetFiles.list(dataDir);
        List<DatasetFiles.Entry> trainTakes = files.entries().stream().filter(e -> e.take() >= 5).toList();
        List<DatasetFiles.Entry> testTakes = files.entries().stream().filter(e -> e.take() >= 0 && e.take() <= 4).toList();
        if (trainTakes.isEmpty() || testTakes.isEmpty()) {
            throw new IllegalArgumentException(dataDir + " needs recordings named {digit}_{speaker}_{take}.wav with takes "
                    + "0-4 (to test) and 5 or more (to train); found " + files.size());
        }
        err.printf("Recordings: %s — %d to train on (takes 5+), %d to speak (takes 0-4)%n", dataDir, trainTakes.size(),
                testTakes.size());

        Path run = workDir.resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
                .toAbsolutePath().normalize();
        Files.createDirectories(run);
        Logging.toFile(run.resolve("logs/hark.log"));
        err.println("[1/4] Starting Kafka, the schema registry and Hark's services (state in " + run + ") ...");
        long p = System.nanoTime();
        LocalStack stack = LocalStack.start(new LocalStack.Settings(run, "localhost", freePort(), freePort(), freePort(),
                3, Map.of()));
        SimulationReport report;
        ModelRelease v1;
        try {
            ClusterConfig cluster = new ClusterConfig(stack.bootstrapServers(), stack.registryUrl());
            SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
            try (FeatureStreamService features = new FeatureStreamService(cluster, FeatureStreamTopology.Settings.defaults(),
                    run.resolve("streams/feature-stream"), new Properties());
                 ClassifierService classifier = new ClassifierService(cluster, ClassifierTopology.Settings.defaults(),
                         run.resolve("streams/classifier-stream"), new Properties());
                 OnlineTrainer trainer = new OnlineTrainer(OnlineTrainer.Settings
                         .defaults(cluster, run.resolve("streams/trainer"))
                         .withRetrainEvery(Integer.MAX_VALUE)
                         .withHoldoutClips(0.1)
                         .withOptions(TrainingOptions.defaults().withEpochs(epochs).withThreads(threads)), registry)) {
                features.start();
                classifier.start();
                if (!Services.awaitRunning(List.of(features.streams(), classifier.streams()), Duration.ofMinutes(2))) {
                    throw new IllegalStateException("the stream services did not start within 2 minutes; see "
                            + run.resolve("logs/hark.log"));
                }
                err.printf(Locale.ROOT, "      up in %.1f s: Kafka %s, registry %s%n", secondsSince(p),
                        cluster.bootstrapServers(), cluster.registryUrl());
                phases.put("start_s", secondsSince(p));

                err.println("[2/4] Replaying the training takes to audio.clips.labeled ...");
                p = System.nanoTime();
                DatasetFiles training = new DatasetFiles(files.layout(), trainTakes, List.of());
                ProgressBar replayBar = new ProgressBar("publishing", trainTakes.size());
                Replayer.Summary replayed;
                try (Replayer replayer = new Replayer(cluster, registry)) {
                    replayed = replayer.replay(training, Replayer.Target.LABELED, 0, 0, n -> replayBar.update(n, ""));
                }
                replayBar.done(trainTakes.size(), replayed.failures().size() + " failed");
                replayed.failures().stream().limit(5).forEach(f -> err.println("      failed " + f.file() + ": " + f.reason()));
                phases.put("replay_s", secondsSince(p));

                err.printf("[3/4] Training v1 on %d labeled clips (%d epochs; 10%% of each speaker's clips held out "
                        + "to judge it) ...%n", replayed.published(), epochs);
                p = System.nanoTime();
                trainer.catchUp(Duration.ofMinutes(2));
                v1 = trainer.retrain("demo", new EpochBars());
                double trained = secondsSince(p);
                err.printf(Locale.ROOT, "      v%d: %.2f%% on %d held-out clips, %s, trained in %s%n", v1.getVersion(),
                        100 * v1.getCandidateAccuracy(), v1.getMetrics().get("evaluation_clips").intValue(),
                        v1.getChampion() ? "champion" : "NOT champion", Durations.seconds(trained));
                if (!v1.getChampion()) {
                    throw new IllegalStateException("v" + v1.getVersion() + " was not made champion: " + v1.getNotes());
                }
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (classifier.servingVersion() != v1.getVersion()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the classifier did not load v" + v1.getVersion() + " within 2 minutes");
                    }
                    Thread.sleep(100);
                }
                err.printf(Locale.ROOT, "      the classifier serves v%d%n", v1.getVersion());
                phases.put("train_s", secondsSince(p));

                err.printf("[4/4] %d devices speak the %d test takes live, in real-time chunks ...%n", devices,
                        testTakes.size());
                p = System.nanoTime();
                List<Recording> recordings = SimulateCommand.load(dataDir,
                        e -> e.take() >= 0 && e.take() <= 4, err);
                Simulation.Settings settings = Simulation.Settings.defaults(devices, Duration.ZERO).speakingEachOnce();
                report = SimulateCommand.run(cluster, registry, recordings, settings);
                phases.put("simulate_s", secondsSince(p));
            }
        } finally {
            long s0 = System.nanoTime();
            stack.close();
            if (!keep) {
                DemoData.deleteTree(run);
                try (var left = Files.list(workDir)) {
                    if (left.findAny().isEmpty()) {
                        Files.delete(workDir);
                    }
                } catch (IOException ignored) {
                    // someone else's files in there: leave the folder
                }
            }
            phases.put("stop_s", secondsSince(s0));
        }
        double total = secondsSince(t0);
        phases.put("total_s", total);

        out.println();
        out.printf(Locale.ROOT, "Hark demo: %d utterances spoken by %d devices, heard %.2f%% right with model v%d, "
                        + "in %s in all%n", report.utterancesSent(), report.devices(), 100 * report.accuracy(),
                v1.getVersion(), Durations.seconds(total));
        SimulateCommand.print(report, out);
        out.printf(Locale.ROOT, "phases               %s%n", phases);
        Map<String, Object> jsonMap = report.toJson();
        jsonMap.put("phases_s", phases);
        jsonMap.put("model", Map.of("version", v1.getVersion(), "held_out_accuracy", v1.getCandidateAccuracy(),
                "training_clips", v1.getMetrics().get("training_clips"), "epochs", epochs));
        out.println();
        out.println(new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(report.toJson()));
        if (json != null) {
            SimulateCommand.writeJson(jsonMap, json);
        }
        return ExitCodes.OK;
    }

    private static double secondsSince(long t) {
        return Math.round((System.nanoTime() - t) / 1e8) / 10.0;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** One progress bar per epoch, like `hark train`. */
    private static final class EpochBars implements TrainingListener {
        private ProgressBar bar;
        private int epoch = -1;
        private int steps;

        @Override
        public void onStep(int e, int step, int steps, double runningLoss) {
            if (e != epoch) {
                epoch = e;
                this.steps = steps;
                bar = new ProgressBar(String.format(Locale.ROOT, "      epoch %2d", e), steps);
            }
            bar.update(step, String.format(Locale.ROOT, "loss %.4f", runningLoss));
        }

        @Override
        public void onEpoch(EpochStats s) {
            if (bar != null) {
                bar.done(steps, String.format(Locale.ROOT, "loss %.4f, train accuracy %.1f%%", s.trainLoss(),
                        100 * s.trainAccuracy()));
            }
        }
    }
}
