package dev.hark.trainer.enroll;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hark.audio.Digests;
import dev.hark.audio.dataset.ClipCheck;
import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.trainer.Holdout;
import dev.hark.trainer.OfflineTraining;
import dev.hark.trainer.TrainingRun;
import dev.hark.trainer.data.Dataset;
import dev.hark.trainer.data.DatasetLoader;
import dev.hark.trainer.data.LabeledClip;
import dev.hark.trainer.eval.Evaluation;
import dev.hark.trainer.eval.HtmlReport;
import dev.hark.trainer.eval.ModelEvaluator;
import dev.hark.trainer.model.TrainingOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * {@code hark enroll --from-dir}: a trained model folder, a new speaker's labeled WAVs and the model's
 * training data in; the fine-tuned model ({@link Enrollment}) and its judgement out, in the files
 * {@code hark train} writes. The judgement compares the starting model and the fine-tuned one on the
 * same clips: the data's held-out set (the speakers or takes the starting model was judged on, which
 * fine-tuning never trains on either) and the new speaker's takes kept back from enrollment.
 */
public final class OfflineEnrollment {

    /**
     * What to enroll.
     *
     * @param keepBack   the last this-many takes of every digit (by take number, then name) are kept back to
     *                   test on, when the digit has more clips than that; the rest are enrolled
     * @param tolerance  how much lower (a fraction, 0.01 = one point) the held-out accuracy may be after
     * @param version    the fine-tuned model's version, or 0 for the starting model's + 1
     */
    public record Request(Path model, String speaker, Path clips, Path data, Path out, Enrollment.Recipe recipe,
                          TrainingOptions options, int version, int keepBack, double tolerance) {

        public Request {
            if (keepBack < 0) {
                throw new IllegalArgumentException("takes kept back must not be negative, not " + keepBack);
            }
            if (tolerance < 0 || tolerance > 1) {
                throw new IllegalArgumentException("the tolerance must be a fraction in [0, 1], not " + tolerance);
            }
        }
    }

    /** A model folder of {@code hark train --out}, read back to fine-tune. */
    public record BaseModel(Path dir, byte[] onnx, byte[] weights, int version, int[] channels, float dropout,
                            String featureConfigId, List<String> holdoutSpeakers) {

        /** @throws IllegalArgumentException with what is missing, in one line */
        public static BaseModel read(Path dir) throws IOException {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("no model folder at " + dir + " (pass the --out folder of `hark train`)");
            }
            Path card = dir.resolve(OfflineTraining.CARD_FILE);
            Path onnx = dir.resolve(OfflineTraining.MODEL_FILE);
            Path weights = dir.resolve(OfflineTraining.WEIGHTS_FILE);
            if (!Files.isRegularFile(card) || !Files.isRegularFile(onnx)) {
                throw new IllegalArgumentException(dir + " is not a model folder: it has no " + (Files.isRegularFile(card)
                        ? OfflineTraining.MODEL_FILE : OfflineTraining.CARD_FILE) + " (pass the --out folder of `hark train`)");
            }
            if (!Files.isRegularFile(weights)) {
                throw new IllegalArgumentException(dir + " has no " + OfflineTraining.WEIGHTS_FILE + ", the training "
                        + "weights enrollment starts from (the model was trained before Hark kept them, or imported): "
                        + "train it again with `hark train --out " + dir + "`");
            }
            JsonNode c = OfflineTraining.JSON.readTree(card.toFile());
            JsonNode ch = c.path("architecture").path("channels");
            if (!ch.isArray() || ch.isEmpty()) {
                throw new IllegalArgumentException(card + " does not say the network's channels (architecture.channels)");
            }
            int[] channels = new int[ch.size()];
            for (int i = 0; i < channels.length; i++) {
                channels[i] = ch.get(i).asInt();
            }
            float dropout = (float) c.path("architecture").path("dropout").asDouble(TrainingOptions.DEFAULT_DROPOUT);
            List<String> held = new ArrayList<>();
            c.path("holdout").path("speakers").forEach(s -> held.add(s.asText()));
            return new BaseModel(dir, Files.readAllBytes(onnx), Files.readAllBytes(weights), c.path("version").asInt(1),
                    channels, dropout, c.path("feature_config_id").asText(""), held);
        }
    }

    /** The new speaker's clips that passed {@link ClipCheck}, and the files refused with the reason. */
    public record SpeakerClips(List<LabeledClip> clips, List<DatasetFiles.Failure> refused) {}

    /**
     * What enrollment produced. The speaker's evaluations are null when no take was kept back.
     */
    public record Outcome(Path model, Path card, Path evaluationJson, Path report, String evaluationSet,
                          Evaluation heldOutBefore, Evaluation heldOutAfter, Evaluation speakerBefore,
                          Evaluation speakerAfter, int enrolled, int version, boolean notWorse, double seconds) {}

    private OfflineEnrollment() {
    }

    /**
     * Reads {@code dir} as {@code speaker}'s clips ({@link DatasetFiles#ofSpeaker}) and checks each with
     * {@code check} on its audio as decoded: a clip that is silent, clipped, or not exactly one word
     * is refused, with the check's reason.
     */
    public static SpeakerClips loadSpeaker(Path dir, String speaker, FeatureSpec spec, int threads, ClipCheck check)
            throws IOException {
        DatasetFiles files = DatasetFiles.ofSpeaker(dir, speaker);
        Map<String, ClipCheck.Result> results = new ConcurrentHashMap<>();
        Dataset ds = new DatasetLoader(spec.sampleRate(), threads).load(files, n -> { },
                (entry, audio) -> results.put(entry.name(), check.check(audio)));
        List<DatasetFiles.Failure> refused = new ArrayList<>(ds.failures());
        List<LabeledClip> ok = new ArrayList<>();
        for (LabeledClip c : ds.clips()) {
            ClipCheck.Result r = results.get(c.name());
            if (r != null && !r.ok()) {
                refused.add(new DatasetFiles.Failure(c.name(), String.join(", ", r.issues().stream()
                        .map(ClipCheck.Issue::toString).toList())));
            } else {
                ok.add(c);
            }
        }
        refused.sort(java.util.Comparator.comparing(DatasetFiles.Failure::name));
        return new SpeakerClips(ok, refused);
    }

    /** Fine-tunes {@code base} on {@code speaker}'s clips plus {@code data}, judges it, writes the model folder. */
    public static Outcome enroll(Request r, BaseModel base, SpeakerClips speaker, Dataset data,
                                 OfflineTraining.Progress p) throws IOException {
        long start = System.nanoTime();
        FeatureSpec spec = FeatureSpec.defaults();
        if (!base.featureConfigId().isEmpty() && !base.featureConfigId().equals(spec.id())) {
            throw new IllegalArgumentException(base.dir() + " was trained on features " + base.featureConfigId()
                    + ", this Hark computes " + spec.id() + ": train it again with `hark train`");
        }
        if (speaker.clips().isEmpty()) {
            throw new IllegalArgumentException("no clip of " + r.speaker() + " passed the checks ("
                    + speaker.refused().size() + " refused)");
        }
        Set<String> known = new TreeSet<>(data.speakers());
        for (String s : base.holdoutSpeakers()) {
            if (!known.contains(s)) {
                throw new IllegalArgumentException("the model was judged on speaker '" + s + "', who is not in "
                        + r.data() + ": pass the data it was trained on with --data");
            }
        }
        if (known.contains(r.speaker())) {
            p.stage("note: " + r.data() + " already has clips of " + r.speaker() + "; the enrolled clips are added to them");
        }
        TrainingOptions options = r.options().withChannels(base.channels()).withDropout(base.dropout());
        Enrollment enrollment = new Enrollment(spec, options, r.recipe());
        Holdout.Split split = Holdout.ofSpeakers(base.holdoutSpeakers()).split(data);

        int n = data.clips().size();
        List<LabeledClip> all = new ArrayList<>(data.clips());
        all.addAll(speaker.clips());
        Dataset combined = new Dataset(data.layout(), all, data.failures());
        int[] speakerIdx = IntStream.range(n, all.size()).toArray();
        int keep = r.keepBack();
        Enrollment.Takes takes = Enrollment.choose(all, speakerIdx, count -> count > keep ? count - keep : count);
        int[] evaluation = IntStream.concat(IntStream.of(split.evaluation()), IntStream.of(takes.test())).toArray();
        int version = r.version() > 0 ? r.version() : base.version() + 1;

        p.stage("computing features of " + all.size() + " clips (" + spec.id() + ")");
        float[][][] features = enrollment.run().features(all);
        List<LabeledClip> evalClips = IntStream.of(evaluation).mapToObj(all::get).toList();
        p.stage("scoring the starting model v" + base.version() + " on " + evalClips.size() + " clips");
        ModelEvaluator.Scored before = enrollment.run().score(base.onnx(), evalClips);
        TrainingRun.Result run = enrollment.fineTune(combined, features, split.train(), takes.enrolled(), evaluation,
                base.weights(), version, p);
        ModelEvaluator.Scored after = run.scored();

        int h = split.evaluation().length;
        Evaluation heldBefore = part(before, 0, h);
        Evaluation heldAfter = part(after, 0, h);
        Evaluation spkBefore = takes.test().length == 0 ? null : part(before, h, evaluation.length);
        Evaluation spkAfter = takes.test().length == 0 ? null : part(after, h, evaluation.length);
        boolean notWorse = heldAfter.accuracy() >= heldBefore.accuracy() - r.tolerance() - 1e-12;
        double seconds = (System.nanoTime() - start) / 1e9;

        Files.createDirectories(r.out());
        Path modelFile = r.out().resolve(OfflineTraining.MODEL_FILE);
        Files.write(modelFile, run.onnx());
        Files.write(r.out().resolve(OfflineTraining.WEIGHTS_FILE), run.weights());
        Path evalJson = r.out().resolve("evaluation.json");
        OfflineTraining.JSON.writeValue(evalJson.toFile(), heldAfter);

        Map<String, Object> card = OfflineTraining.card(spec, enrollment.run().options(), version, run);
        // judged on what the starting model was judged on: a later enrollment reads this
        card.put("holdout", Map.of("speakers", base.holdoutSpeakers(), "description", split.description()));
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("data", r.data().toString());
        training.put("clips", data.clips().size());
        training.put("train_clips", split.train().length);
        training.put("options", enrollment.run().options().toString());
        training.put("seconds", seconds);
        training.put("history", run.history());
        card.put("training", training);
        card.put("metrics", OfflineTraining.metrics(split.description(), heldAfter));
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("speaker", r.speaker());
        e.put("from", r.clips().toString());
        e.put("base_model", Map.of("dir", base.dir().toString(), "version", base.version(),
                "sha256", Digests.sha256(base.onnx())));
        e.put("recipe", Map.of("epochs", r.recipe().epochs(), "learning_rate", r.recipe().learningRate(),
                "weight", r.recipe().weight(), "kept_back_per_digit", keep));
        e.put("enrolled", IntStream.of(takes.enrolled()).mapToObj(i -> all.get(i).name()).toList());
        e.put("kept_back", IntStream.of(takes.test()).mapToObj(i -> all.get(i).name()).toList());
        e.put("refused", speaker.refused());
        e.put("held_out", Map.of("set", split.description(), "count", heldAfter.count(),
                "accuracy_before", heldBefore.accuracy(), "accuracy_after", heldAfter.accuracy()));
        if (spkAfter != null) {
            e.put("speaker_kept_back", Map.of("count", spkAfter.count(), "accuracy_before", spkBefore.accuracy(),
                    "accuracy_after", spkAfter.accuracy()));
        }
        e.put("tolerance", r.tolerance());
        e.put("not_worse", notWorse);
        card.put("enrollment", e);
        Path cardFile = r.out().resolve(OfflineTraining.CARD_FILE);
        OfflineTraining.JSON.writeValue(cardFile.toFile(), card);

        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("model", "version " + version + ", fine-tuned from v" + base.version() + " (" + base.dir() + ")");
        facts.put("speaker", r.speaker() + ": " + takes.enrolled().length + " clips enrolled, " + takes.test().length
                + " kept back to test, " + speaker.refused().size() + " refused");
        facts.put("data", r.data() + " (" + data.clips().size() + " clips, " + split.train().length + " trained on)");
        facts.put("recipe", r.recipe() + ", " + enrollment.run().options());
        facts.put("judgement", (notWorse ? "not worse" : "WORSE") + String.format(Locale.ROOT,
                " on the held-out set (tolerance %.1f points)", 100 * r.tolerance()));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {split.description(), Integer.toString(heldAfter.count()), pct(heldBefore), pct(heldAfter)});
        if (spkAfter != null) {
            rows.add(new String[] {r.speaker() + "'s kept-back takes", Integer.toString(spkAfter.count()), pct(spkBefore),
                    pct(spkAfter)});
        }
        HtmlReport report = new HtmlReport("Hark model v" + version + ": " + r.speaker() + " enrolled")
                .facts("Summary", facts)
                .table("before and after enrollment", new String[] {"clips", "count", "before", "after"}, rows)
                .evaluation("After, on the " + split.description(), heldAfter, "confusion.png");
        if (spkAfter != null) {
            report.evaluation("After, on " + r.speaker() + "'s kept-back takes", spkAfter, "confusion-speaker.png");
        }
        Path html = report.curves("Fine-tuning curves", run.history(), "curves.png").write(r.out(), "report.html");
        return new Outcome(modelFile, cardFile, evalJson, html, split.description(), heldBefore, heldAfter, spkBefore,
                spkAfter, takes.enrolled().length, version, notWorse, seconds);
    }

    /** The evaluation of {@code scored}'s entries {@code [from, to)}. */
    static Evaluation part(ModelEvaluator.Scored scored, int from, int to) {
        List<LabeledClip> clips = scored.clips().subList(from, to);
        return Evaluation.of(clips.stream().mapToInt(LabeledClip::label).toArray(),
                Arrays.copyOfRange(scored.predicted(), from, to), clips.stream().map(LabeledClip::speaker).toList());
    }

    private static String pct(Evaluation e) {
        return String.format(Locale.ROOT, "%.2f %%", 100 * e.accuracy());
    }
}
