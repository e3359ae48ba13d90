package dev.hark.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.audio.Audio;
import dev.hark.audio.Digests;
import dev.hark.trainer.data.Dataset;
import dev.hark.trainer.data.DatasetLoader;
import dev.hark.trainer.enroll.Enrollment;
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

    /**
     * What {@link #loso} produced. {@code enrolled}: per speaker, accuracy by enrolled takes per digit (0 =
     * the fold's own model) on that speaker's takes never enrolled; empty without enrollment.
     */
    public record LosoOutcome(Path json, Path report, Map<String, Double> foldAccuracy, Evaluation pooled,
                              double mean, double min, double seconds, Map<String, Map<Integer, Double>> enrolled,
                              Map<String, Integer> enrolledTestClips) {

        /** Mean over speakers of the accuracy with {@code k} takes enrolled. */
        public double enrolledMean(int k) {
            return enrolled.values().stream().mapToDouble(m -> m.get(k)).average().orElse(Double.NaN);
        }

        /** The worst speaker's accuracy with {@code k} takes enrolled. */
        public double enrolledWorst(int k) {
            return enrolled.values().stream().mapToDouble(m -> m.get(k)).min().orElse(Double.NaN);
        }
    }

    /**
     * Enrollment inside leave-one-speaker-out: after each fold, that fold's model is fine-tuned
     * ({@link Enrollment}) with the first k takes of every digit of the speaker left out, for every k in
     * {@code takes}, and tested on that speaker's other takes: the same clips for every k (all but the
     * first max(k) takes of each digit), k=0 being the fold's model itself.
     */
    public record LosoEnrollment(List<Integer> takes, Enrollment.Recipe recipe) {
        public LosoEnrollment {
            takes = takes.stream().distinct().sorted().toList();
            if (takes.isEmpty() || takes.get(0) < 1) {
                throw new IllegalArgumentException("enrolled takes per digit must be positive counts, e.g. 1,3,5, not " + takes);
            }
        }

        int max() {
            return takes.get(takes.size() - 1);
        }
    }

    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A model folder's ONNX file, its card, and its DJL weights (what {@code hark enroll} fine-tunes from). */
    public static final String MODEL_FILE = "model.onnx";
    public static final String CARD_FILE = "model.json";
    public static final String WEIGHTS_FILE = "model.params";

    /**
     * The model card's common part (model.json): version, ONNX file facts, features, architecture, the
     * weights file and the held-out speakers, so that {@code hark enroll} can rebuild the network and
     * judge the fine-tuned model on the same clips. The caller adds "training" and "metrics".
     */
    public static Map<String, Object> card(FeatureSpec spec, TrainingOptions options, int version, TrainingRun.Result run) {
        byte[] onnx = run.onnx();
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("version", version);
        card.put("created", Instant.now().toString());
        card.put("onnx", Map.of("file", MODEL_FILE, "bytes", onnx.length, "sha256", Digests.sha256(onnx),
                "input", "log_mel [N,1," + spec.nMels() + "," + spec.clipFrames() + "] float32",
                "outputs", "logits [N,10], probabilities [N,10] (softmax of logits)",
                "djl_parity_max_abs_logit_diff", run.parity()));
        card.put("feature_config_id", spec.id());
        card.put("feature_config", spec.toJsonMap());
        card.put("architecture", Map.of("description", DigitCnn.describe(options.channels()),
                "channels", options.channels(), "dropout", options.dropout(), "parameters", run.parameters()));
        card.put("weights", Map.of("file", WEIGHTS_FILE, "format", "DJL block parameters, BatchNorm not folded",
                "bytes", run.weights().length, "sha256", Digests.sha256(run.weights())));
        card.put("holdout", Map.of("speakers", run.split().speakers(), "description", run.split().description()));
        return card;
    }

    public static Map<String, Object> metrics(String evaluationSet, Evaluation ev) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("evaluation_set", evaluationSet);
        metrics.put("accuracy", ev.accuracy());
        metrics.put("count", ev.count());
        metrics.put("macro_f1", ev.macroF1());
        metrics.put("per_speaker", ev.perSpeaker());
        return metrics;
    }

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
        Path modelFile = r.out().resolve(MODEL_FILE);
        Files.write(modelFile, onnx);
        Files.write(r.out().resolve(WEIGHTS_FILE), run.weights());
        Path evalJson = r.out().resolve("evaluation.json");
        JSON.writeValue(evalJson.toFile(), ev);
        Map<String, Object> card = card(r.spec(), r.options(), r.version(), run);
        card.put("training", trainingSummary(r, ds, run.split().train(), run.trainSeconds(), run.history()));
        card.put("metrics", metrics(evalSet, ev));
        Path cardFile = r.out().resolve(CARD_FILE);
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
        return loso(r, ds, p, null);
    }

    /** {@link #loso(Request, Dataset, Progress)}, and with {@code enroll} not null, enrollment in every fold. */
    public static LosoOutcome loso(Request r, Dataset ds, Progress p, LosoEnrollment enroll) throws IOException {
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
        Enrollment enrollment = enroll == null ? null : new Enrollment(r.spec(), r.options(), enroll.recipe());
        Map<String, Map<Integer, Double>> enrolled = new LinkedHashMap<>();
        Map<String, Integer> enrolledTest = new LinkedHashMap<>();
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
            if (enrollment != null) {
                Map<Integer, Double> byK = enrollFold(enrollment, enroll, ds, clean, fold, speaker, p, epochsOnly,
                        r.version());
                enrolled.put(speaker, byK);
                int tested = Enrollment.firstTakes(ds.clips(), fold.split().evaluation(), enroll.max()).test().length;
                enrolledTest.put(speaker, tested);
                Map<String, Object> ej = new LinkedHashMap<>();
                ej.put("test_clips", tested);
                Map<String, Double> acc = new LinkedHashMap<>();
                byK.forEach((k, a) -> acc.put(Integer.toString(k), a));
                ej.put("accuracy_by_enrolled_takes", acc);
                fj.put("enrollment", ej);
            }
            fj.put("seconds", (System.nanoTime() - t0) / 1e9);
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
        LosoOutcome outcome = new LosoOutcome(r.out().resolve("loso.json"), r.out().resolve("report.html"), folds, pooled,
                mean, min, seconds, enrolled, enrolledTest);
        if (enroll != null) {
            Map<String, Object> ej = new LinkedHashMap<>();
            ej.put("takes_per_digit", enroll.takes());
            ej.put("recipe", Map.of("epochs", enroll.recipe().epochs(), "learning_rate", enroll.recipe().learningRate(),
                    "weight", enroll.recipe().weight()));
            ej.put("test", "each speaker's takes after the first " + enroll.max() + " of every digit, the same for every k");
            Map<String, Double> means = new LinkedHashMap<>();
            Map<String, Double> worst = new LinkedHashMap<>();
            for (int k : ks(enroll)) {
                means.put(Integer.toString(k), outcome.enrolledMean(k));
                worst.put(Integer.toString(k), outcome.enrolledWorst(k));
            }
            ej.put("mean_accuracy", means);
            ej.put("worst_accuracy", worst);
            json.put("enrollment", ej);
        }
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
                .table("accuracy on the speaker left out", new String[] {"speaker", "accuracy"}, rows);
        if (enroll != null) {
            List<Integer> ks = ks(enroll);
            String[] head = new String[ks.size() + 2];
            head[0] = "speaker";
            head[1] = "test clips";
            for (int i = 0; i < ks.size(); i++) {
                head[i + 2] = "k=" + ks.get(i);
            }
            List<String[]> er = new ArrayList<>();
            for (String s : enrolled.keySet()) {
                String[] row = new String[head.length];
                row[0] = s;
                row[1] = Integer.toString(enrolledTest.get(s));
                for (int i = 0; i < ks.size(); i++) {
                    row[i + 2] = String.format(Locale.ROOT, "%.2f %%", 100 * enrolled.get(s).get(ks.get(i)));
                }
                er.add(row);
            }
            for (String what : new String[] {"mean", "worst"}) {
                String[] row = new String[head.length];
                row[0] = what;
                row[1] = "";
                for (int i = 0; i < ks.size(); i++) {
                    double a = what.equals("mean") ? outcome.enrolledMean(ks.get(i)) : outcome.enrolledWorst(ks.get(i));
                    row[i + 2] = String.format(Locale.ROOT, "%.2f %%", 100 * a);
                }
                er.add(row);
            }
            report.table("enrollment: accuracy on the left-out speaker's other takes after fine-tuning with k takes per "
                    + "digit of theirs (" + enroll.recipe() + ")", head, er);
        }
        report
                .evaluation("All folds pooled (each clip scored by the model that never heard its speaker)", pooled,
                        "confusion.png");
        for (Map.Entry<String, List<EpochStats>> e : histories.entrySet()) {
            report.curves("Training curves, " + e.getKey() + " left out (validation = " + e.getKey() + ")", e.getValue(),
                    "curves-" + e.getKey().replaceAll("[^A-Za-z0-9_-]", "_") + ".png");
        }
        report.write(r.out(), "report.html");
        return outcome;
    }

    /** 0 (the fold's model) and every k asked for. */
    private static List<Integer> ks(LosoEnrollment enroll) {
        List<Integer> ks = new ArrayList<>();
        ks.add(0);
        ks.addAll(enroll.takes());
        return ks;
    }

    /**
     * One fold's enrollment: accuracy by enrolled takes per digit, on the left-out speaker's takes after
     * the first max(k) of each digit. k=0 is the fold's model scored on those clips.
     */
    private static Map<Integer, Double> enrollFold(Enrollment enrollment, LosoEnrollment enroll, Dataset ds,
                                                   float[][][] clean, TrainingRun.Result fold, String speaker,
                                                   Progress p, TrainingListener listener, int version) {
        int[] speakerIdx = fold.split().evaluation();
        int[] test = Enrollment.firstTakes(ds.clips(), speakerIdx, enroll.max()).test();
        Map<Integer, Double> byK = new LinkedHashMap<>();
        if (test.length == 0) {
            throw new IllegalArgumentException(speaker + " has no clips left to test after enrolling " + enroll.max()
                    + " takes per digit");
        }
        // the fold's predictions, in split order, on the test clips
        Map<Integer, Integer> pos = new java.util.HashMap<>();
        for (int i = 0; i < speakerIdx.length; i++) {
            pos.put(speakerIdx[i], i);
        }
        int correct = 0;
        for (int i : test) {
            if (fold.scored().predicted()[pos.get(i)] == ds.clips().get(i).label()) {
                correct++;
            }
        }
        byK.put(0, correct / (double) test.length);
        for (int k : enroll.takes()) {
            int[] enrolledIdx = Enrollment.firstTakes(ds.clips(), speakerIdx, k).enrolled();
            p.stage(String.format(Locale.ROOT, "fold %s: fine-tuning with %d takes per digit (%d clips), testing on %d",
                    speaker, k, enrolledIdx.length, test.length));
            TrainingRun.Result tuned = enrollment.fineTune(ds, clean, fold.split().train(), enrolledIdx, test,
                    fold.weights(), version, listener);
            byK.put(k, tuned.evaluation().accuracy());
        }
        return byK;
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
