package dev.hark.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.audio.Audio;
import dev.hark.audio.Digests;
import dev.hark.trainer.data.Dataset;
import dev.hark.trainer.data.DatasetLoader;
import dev.hark.trainer.eval.Evaluation;
import dev.hark.trainer.eval.HtmlReport;
import dev.hark.trainer.eval.ModelEvaluator;
import dev.hark.trainer.model.DigitCnn;
import dev.hark.trainer.model.EpochStats;
import dev.hark.trainer.model.TrainingListener;
import dev.hark.trainer.model.TrainingOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * {@code hark train}: a folder of WAVs in, a model and its evaluation out, from one {@link TrainingRun}.
 * The evaluation set is chosen by the {@link Holdout} rule (the speakers named, else the dataset's
 * standard split when it has one, FSDD: takes 0–4, else a fifth of the speakers held out of training
 * entirely); {@link #loso} trains one model per speaker and tests it on that unseen speaker. Training
 * uses fixed epochs, so the evaluation set never steers it.
 */
public final class OfflineTraining {

    /** What to train. {@code holdoutSpeakers} empty = the standard split, or 20 % of speakers without one. */
    public record Request(Path data, Path out, FeatureSpec spec, TrainingOptions options, int version,
                          List<String> holdoutSpeakers) {}

    /** Progress for bars and logs; every method is optional. */
    public interface Progress extends TrainingListener {
        default void loading(int done, int total) {
        }

        default void fold(String speaker, int index, int folds) {
        }

        /** Each file's audio as decoded (its own rate and format), from the decoding threads. */
        default void decoded(DatasetFiles.Entry entry, Audio audio) {
        }
    }

    /** What {@link #train} produced. */
    public record Outcome(Path model, Path card, Path evaluationJson, Path report, Evaluation evaluation,
                          String evaluationSet, double parity, double trainSeconds) {}

    /** What {@link #loso} produced. */
    public record LosoOutcome(Path json, Path report, Map<String, Double> foldAccuracy, Evaluation pooled,
                              double mean, double min, double seconds) {}

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private OfflineTraining() {
    }

    public static Dataset load(Request r, Progress p) throws IOException {
        p.stage("reading " + r.data());
        DatasetFiles files = DatasetFiles.list(r.data());
        Dataset ds = new DatasetLoader(r.spec().sampleRate(), r.options().threads()).load(files,
                n -> p.loading(n, files.entries().size()), p::decoded);
        if (ds.clips().isEmpty()) {
            throw new IOException("no usable clips in " + r.data() + (ds.failures().isEmpty() ? ""
                    : " (" + ds.failures().size() + " failed, first: " + ds.failures().get(0).name() + ": "
                    + ds.failures().get(0).reason() + ")"));
        }
        return ds;
    }

    public static Outcome train(Request r, Dataset ds, Progress p) throws IOException {
        Holdout holdout = holdout(r, ds);
        TrainingRun.Result run = new TrainingRun(r.spec(), r.options()).run(ds, holdout, r.version(), p);
        byte[] onnx = run.onnx();
        Evaluation ev = run.evaluation();
        String evalSet = run.split().description();
        Files.createDirectories(r.out());
        Path modelFile = r.out().resolve("model.onnx");
        Files.write(modelFile, onnx);
        Path evalJson = r.out().resolve("evaluation.json");
        JSON.writeValue(evalJson.toFile(), ev);

        Map<String, Object> card = new LinkedHashMap<>();
        card.put("version", r.version());
        card.put("created", Instant.now().toString());
        card.put("onnx", Map.of("file", "model.onnx", "bytes", onnx.length, "sha256", Digests.sha256(onnx),
                "input", "log_mel [N,1," + r.spec().nMels() + "," + r.spec().clipFrames() + "] float32",
                "outputs", "logits [N,10], probabilities [N,10] (softmax of logits)",
                "djl_parity_max_abs_logit_diff", run.parity()));
        card.put("feature_config_id", r.spec().id());
        card.put("feature_config", r.spec().toJsonMap());
        card.put("architecture", Map.of("description", DigitCnn.describe(r.options().channels()),
                "channels", r.options().channels(), "parameters", run.parameters()));
        card.put("training", trainingSummary(r, ds, run.split().train(), run.trainSeconds(), run.history()));
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("evaluation_set", evalSet);
        metrics.put("accuracy", ev.accuracy());
        metrics.put("count", ev.count());
        metrics.put("macro_f1", ev.macroF1());
        metrics.put("per_speaker", ev.perSpeaker());
        card.put("metrics", metrics);
        Path cardFile = r.out().resolve("model.json");
        JSON.writeValue(cardFile.toFile(), card);

        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("model", "version " + r.version() + ", " + onnx.length / 1024 + " KiB, sha256 " + Digests.sha256(onnx));
        facts.put("data", r.data() + " (" + ds.layout() + ", " + ds.clips().size() + " clips, " + ds.speakers().size()
                + " speakers, " + ds.failures().size() + " unusable)");
        facts.put("evaluation set", evalSet);
        facts.put("training", r.options() + String.format(Locale.ROOT, ", %.0f s", run.trainSeconds()));
        facts.put("features", r.spec().id());
        facts.put("ONNX vs DJL", String.format(Locale.ROOT, "max |logit difference| %.2g", run.parity()));
        Path report = new HtmlReport("Hark model v" + r.version())
                .facts("Summary", facts)
                .evaluation("Evaluation: " + evalSet, ev, "confusion.png")
                .curves("Training curves", run.history(), "curves.png")
                .write(r.out(), "report.html");
        return new Outcome(modelFile, cardFile, evalJson, report, ev, evalSet, run.parity(), run.trainSeconds());
    }

    /** The request's holdout: the speakers it names (each must be in the data), or the automatic one. */
    private static Holdout holdout(Request r, Dataset ds) {
        Set<String> known = new TreeSet<>(ds.speakers());
        for (String s : r.holdoutSpeakers()) {
            if (!known.contains(s)) {
                throw new IllegalArgumentException("no speaker '" + s + "' in the data (speakers: " + known + ")");
            }
        }
        return Holdout.ofSpeakers(r.holdoutSpeakers());
    }

    /** Leave-one-speaker-out: one model per speaker, tested on that speaker only. Nothing is exported. */
    public static LosoOutcome loso(Request r, Dataset ds, Progress p) throws IOException {
        long start = System.nanoTime();
        List<String> speakers = ds.speakers();
        if (speakers.size() < 2) {
            throw new IllegalArgumentException("leave-one-speaker-out needs at least 2 speakers, the data has " + speakers);
        }
        TrainingRun run = new TrainingRun(r.spec(), r.options());
        p.stage("computing features of " + ds.clips().size() + " clips (" + r.spec().id() + ")");
        float[][][] clean = run.features(ds.clips());
        TrainingListener epochsOnly = new TrainingListener() {
            @Override
            public void onStep(int epoch, int step, int steps, double runningLoss) {
                p.onStep(epoch, step, steps, runningLoss);
            }

            @Override
            public void onEpoch(EpochStats stats) {
                p.onEpoch(stats);
            }
        };
        Map<String, Double> folds = new LinkedHashMap<>();
        Map<String, Object> foldJson = new LinkedHashMap<>();
        Map<String, List<EpochStats>> histories = new LinkedHashMap<>();
        int n = ds.clips().size();
        int[] predicted = new int[n];
        boolean[] scored = new boolean[n];
        for (int f = 0; f < speakers.size(); f++) {
            String speaker = speakers.get(f);
            p.fold(speaker, f + 1, speakers.size());
            long t0 = System.nanoTime();
            TrainingRun.Result fold = run.run(ds, clean, Holdout.ofSpeakers(List.of(speaker)).split(ds), r.version(),
                    epochsOnly);
            int[] testIdx = fold.split().evaluation();
            ModelEvaluator.Scored s = fold.scored();
            for (int i = 0; i < testIdx.length; i++) {
                predicted[testIdx[i]] = s.predicted()[i];
                scored[testIdx[i]] = true;
            }
            folds.put(speaker, s.evaluation().accuracy());
            histories.put(speaker, fold.history());
            Map<String, Object> fj = new LinkedHashMap<>();
            fj.put("count", s.evaluation().count());
            fj.put("accuracy", s.evaluation().accuracy());
            fj.put("train_clips", fold.split().train().length);
            fj.put("seconds", (System.nanoTime() - t0) / 1e9);
            fj.put("per_class", s.evaluation().perClass());
            fj.put("confusion_matrix", s.evaluation().confusionMatrix());
            foldJson.put(speaker, fj);
        }
        int[] idx = IntStream.range(0, n).filter(i -> scored[i]).toArray();
        Evaluation pooled = Evaluation.of(Arrays.stream(idx).map(i -> ds.clips().get(i).label()).toArray(),
                Arrays.stream(idx).map(i -> predicted[i]).toArray(),
                Arrays.stream(idx).mapToObj(i -> ds.clips().get(i).speaker()).toList());
        double mean = folds.values().stream().mapToDouble(d -> d).average().orElse(0);
        double min = folds.values().stream().mapToDouble(d -> d).min().orElse(0);
        double seconds = (System.nanoTime() - start) / 1e9;
        Files.createDirectories(r.out());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("mean_accuracy", mean);
        json.put("min_accuracy", min);
        json.put("folds", foldJson);
        json.put("pooled", pooled);
        json.put("training", trainingSummary(r, ds, new int[0], seconds, List.of()));
        Path jsonFile = r.out().resolve("loso.json");
        JSON.writeValue(jsonFile.toFile(), json);

        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("mean accuracy", String.format(Locale.ROOT, "%.2f %%", 100 * mean));
        facts.put("worst fold", String.format(Locale.ROOT, "%.2f %%", 100 * min));
        facts.put("data", r.data() + " (" + ds.clips().size() + " clips, speakers " + speakers + ")");
        facts.put("training", r.options() + String.format(Locale.ROOT, ", %.0f s in all", seconds));
        List<String[]> rows = new ArrayList<>();
        folds.forEach((s, a) -> rows.add(new String[] {s, String.format(Locale.ROOT, "%.2f %%", 100 * a)}));
        HtmlReport report = new HtmlReport("Hark leave-one-speaker-out")
                .facts("Summary", facts)
                .table("accuracy on the speaker left out", new String[] {"speaker", "accuracy"}, rows)
                .evaluation("All folds pooled (each clip scored by the model that never heard its speaker)", pooled,
                        "confusion.png");
        for (Map.Entry<String, List<EpochStats>> e : histories.entrySet()) {
            report.curves("Training curves, " + e.getKey() + " left out (validation = " + e.getKey() + ")", e.getValue(),
                    "curves-" + e.getKey().replaceAll("[^A-Za-z0-9_-]", "_") + ".png");
        }
        Path html = report.write(r.out(), "report.html");
        return new LosoOutcome(jsonFile, html, folds, pooled, mean, min, seconds);
    }

    private static Map<String, Object> trainingSummary(Request r, Dataset ds, int[] trainIdx, double seconds,
                                                       List<EpochStats> history) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("data", r.data().toString());
        t.put("layout", ds.layout().name());
        t.put("clips", ds.clips().size());
        t.put("train_clips", trainIdx.length);
        t.put("clips_per_speaker", ds.clipsPerSpeaker());
        t.put("unusable_files", ds.failures().size());
        t.put("options", Map.of("epochs", r.options().epochs(), "batch_size", r.options().batchSize(),
                "learning_rate", r.options().learningRate(), "seed", r.options().seed(),
                "dropout", r.options().dropout(), "augmentation", r.options().augmentation().toString(),
                "threads", r.options().threads()));
        t.put("seconds", seconds);
        t.put("history", history);
        return t;
    }
}
