package dev.hark.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.producer.simulate.Recording;
import dev.hark.producer.simulate.Simulation;
import dev.hark.producer.simulate.SimulationReport;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.registry.SchemaRegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hark simulate}: N edge devices speaking recordings, and what Hark made of them. */
@Command(name = "simulate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Simulate N edge devices, each speaking real recordings (chosen at random from --data) separated "
                + "by 0.5–1.5 s pauses in quiet room noise (-70 dBFS), sent to audio.chunks in real-time-paced chunks. "
                + "Every clip the feature stream cuts carries the device sample range it covers, so every spoken "
                + "recording is matched with its prediction (or dead letter).",
                "",
                "At the end it prints accuracy, what was not accounted for, latencies and throughput, and writes them "
                        + "with --json: {devices, utterances_sent, clips, predictions, dead_letters, unaccounted, spurious, "
                        + "accuracy, endpoint_ms, pipeline_ms, throughput_clips_per_s, duration_s, model_versions, ...}. "
                        + "endpoint_ms: end of speech → clip cut; pipeline_ms: clip cut → prediction. Accuracy counts "
                        + "an utterance without a prediction as wrong.",
                "",
                "Needs a running Hark with a champion model (`hark up`, then `hark models`)."})
final class SimulateCommand implements Callable<Integer> {

    @Option(names = "--devices", paramLabel = "N", defaultValue = "10", description = "Devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--duration", paramLabel = "S", defaultValue = "60",
            description = "Seconds during which devices start new recordings (default: ${DEFAULT-VALUE}); each then "
                    + "finishes its recording.")
    double durationS;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Recordings to speak (" + DataDir.DEFAULTS + ").")
    Path data;

    @Option(names = "--takes", paramLabel = "FROM-TO", description = "Only these takes, e.g. 0-4 (FSDD's test takes).")
    String takes;

    @Option(names = "--json", paramLabel = "OUT", description = "Write the report as JSON.")
    Path json;

    @Option(names = "--chunk-ms", paramLabel = "MS", defaultValue = "100", description = "Audio per chunk (default: ${DEFAULT-VALUE}).")
    int chunkMs;

    @Option(names = "--seed", defaultValue = "42", description = "What is spoken when (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--settle", paramLabel = "DURATION", defaultValue = "20s",
            description = "After the last chunk, stop waiting for answers once nothing new came for this long "
                    + "(default: ${DEFAULT-VALUE}).")
    String settle;

    @picocli.CommandLine.Mixin
    ClusterOptions clusterOptions = new ClusterOptions();

    @Override
    public Integer call() throws Exception {
        if (devices < 1 || devices > 10_000) {
            throw new IllegalArgumentException("--devices must be between 1 and 10000");
        }
        Path dir = DemoData.resolve(data);
        List<Recording> recordings = load(dir, takeFilter(takes), System.err);
        ClusterConfig cluster = clusterOptions.cluster();
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        registry.checkReachable();
        Simulation.Settings settings = Simulation.Settings.defaults(devices, Duration.ofMillis((long) (durationS * 1000)))
                .withSeed(seed).withChunkMs(chunkMs).withSettle(Duration.ofMillis(Durations.parseMs(settle)));
        System.err.printf(Locale.ROOT, "%d devices (%s-000..) speaking %d recordings from %s for %s, %d ms chunks%n",
                devices, settings.devicePrefix(), recordings.size(), dir, Durations.seconds(durationS), chunkMs);
        SimulationReport report = run(cluster, registry, recordings, settings);
        print(report, System.out);
        writeJson(report, json);
        return ExitCodes.OK;
    }

    static SimulationReport run(ClusterConfig cluster, SchemaRegistryClient registry, List<Recording> recordings,
                                Simulation.Settings settings) throws InterruptedException {
        double planned = settings.eachOnce() ? recordings.size() : settings.duration().toSeconds();
        ProgressBar bar = new ProgressBar(settings.eachOnce() ? "speaking" : "simulating", (long) Math.max(1, planned));
        SimulationReport report = Simulation.run(cluster, registry, recordings, settings, p -> {
            long done = settings.eachOnce() ? p.utterancesSent() : (long) Math.min(planned, p.elapsedS());
            bar.update(p.sending() ? done : (long) planned, String.format(Locale.ROOT,
                    "%s%d utterances, %d predictions, %d dead letters%s",
                    p.sending() ? "" : "waiting for answers: ", p.utterancesSent(), p.predictions(), p.deadLetters(),
                    p.chunksDropped() > 0 ? ", " + p.chunksDropped() + " chunks dropped" : "")
                    + (p.sending() && p.maxLateMs() > 100 ? ", chunks " + p.maxLateMs() + " ms late" : ""));
        });
        bar.done((long) planned, String.format(Locale.ROOT, "%d utterances, %d predictions", report.utterancesSent(),
                report.predictions()));
        return report;
    }

    static List<Recording> load(Path dir, Predicate<DatasetFiles.Entry> keep, PrintStream err) throws IOException {
        DatasetFiles files = DatasetFiles.list(dir);
        Recording.Loaded loaded = Recording.load(files, keep, 8_000);
        if (!loaded.failures().isEmpty()) {
            err.printf("%d file(s) skipped, e.g. %s: %s%n", loaded.failures().size(), loaded.failures().get(0).name(),
                    loaded.failures().get(0).reason());
        }
        if (loaded.recordings().isEmpty()) {
            throw new IllegalArgumentException("no usable recordings in " + dir);
        }
        return loaded.recordings();
    }

    static Predicate<DatasetFiles.Entry> takeFilter(String range) {
        if (range == null) {
            return e -> true;
        }
        String[] parts = range.split("-");
        try {
            int from = Integer.parseInt(parts[0].trim());
            int to = parts.length > 1 ? Integer.parseInt(parts[1].trim()) : from;
            return e -> e.take() >= from && e.take() <= to;
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("--takes must look like 0-4, not '" + range + "'");
        }
    }

    static void print(SimulationReport r, PrintStream out) {
        out.printf(Locale.ROOT, "devices              %d%n", r.devices());
        out.printf(Locale.ROOT, "utterances sent      %d%n", r.utterancesSent());
        out.printf(Locale.ROOT, "clips cut            %d%n", r.clips());
        out.printf(Locale.ROOT, "predictions          %d  (%d utterances answered, %d cut in pieces%s)%n", r.predictions(),
                r.answered(), r.split(), r.duplicatePredictions() > 0 ? ", " + r.duplicatePredictions() + " duplicates" : "");
        out.printf(Locale.ROOT, "dead letters         %d%s%n", r.deadLetters(), r.deadLetterReasons().isEmpty() ? ""
                : "  " + r.deadLetterReasons());
        out.printf(Locale.ROOT, "unaccounted          %d%n", r.unaccounted());
        out.printf(Locale.ROOT, "spurious             %d%n", r.spurious());
        out.printf(Locale.ROOT, "accuracy             %.2f%%  (%d of %d utterances heard right)%n", 100 * r.accuracy(),
                r.correct(), r.utterancesSent());
        out.printf(Locale.ROOT, "endpoint ms          p50 %.0f  p95 %.0f  p99 %.0f  max %.0f   (end of speech → clip cut)%n",
                r.endpointMs().p50(), r.endpointMs().p95(), r.endpointMs().p99(), r.endpointMs().max());
        out.printf(Locale.ROOT, "pipeline ms          p50 %.0f  p95 %.0f  p99 %.0f  max %.0f   (clip cut → prediction)%n",
                r.pipelineMs().p50(), r.pipelineMs().p95(), r.pipelineMs().p99(), r.pipelineMs().max());
        out.printf(Locale.ROOT, "throughput           %.1f clips/s over %.1f s%n", r.throughputClipsPerS(), r.durationS());
        out.printf(Locale.ROOT, "model versions       %s%n", r.modelVersions());
        out.printf(Locale.ROOT, "chunk timing ms      p50 %.0f  p99 %.0f  max %.0f   (interval end → its chunks sent, "
                        + "the simulator keeping up)%n", r.chunks().late().p50(), r.chunks().late().p99(),
                r.chunks().late().max());
        out.printf(Locale.ROOT, "simulator CPU        %.1f s over %.1f s of sending (%.0f%% of a core: the devices' timing loop)%n",
                r.chunks().loopCpuS(), r.chunks().sendingS(), 100 * r.chunks().loopCpuS() / Math.max(1e-9, r.chunks().sendingS()));
        if (r.chunks().dropped() + r.chunks().lost() > 0) {
            out.printf(Locale.ROOT, "chunks               %d sent, %d dropped, %d lost%n", r.chunks().sent(),
                    r.chunks().dropped(), r.chunks().lost());
        }
        List<String> wrong = r.wrong();
        if (!wrong.isEmpty()) {
            out.println("heard wrong:");
            wrong.stream().sorted(Comparator.naturalOrder()).limit(15).forEach(w -> out.println("  " + w));
            if (wrong.size() > 15) {
                out.println("  ... and " + (wrong.size() - 15) + " more");
            }
        }
    }

    static void writeJson(SimulationReport r, Path json) throws IOException {
        if (json == null) {
            return;
        }
        writeJson(r.toJson(), json);
    }

    static void writeJson(Map<String, Object> map, Path json) throws IOException {
        Path parent = json.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), map);
        System.err.println("wrote " + json);
    }
}
