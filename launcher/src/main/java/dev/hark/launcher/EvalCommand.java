package dev.hark.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hark.model.inference.DigitClassifier;
import dev.hark.model.inference.DigitModel;
import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.trainer.data.Dataset;
import dev.hark.trainer.data.DatasetLoader;
import dev.hark.trainer.eval.Evaluation;
import dev.hark.trainer.eval.HtmlReport;
import dev.hark.trainer.eval.ModelEvaluator;
import dev.hark.trainer.model.EpochStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code hark eval}: any Hark ONNX model on a folder of WAVs, through the classifier stream's code. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a Hark ONNX model on a folder of WAVs named {digit}_{speaker}_{anything}.wav "
                + "(or a CSV manifest path,label,speaker), with the same decoding, DSP and inference code as the "
                + "classifier stream.",
                "",
                "--json writes {\"count\", \"accuracy\", \"per_class\": {\"0\": {\"precision\", \"recall\", \"f1\", "
                        + "\"support\"}, ...}, \"confusion_matrix\": [[...]] (rows true, columns predicted), "
                        + "\"per_speaker\": {\"name\": {\"count\", \"accuracy\"}}}, accuracy as a fraction.",
                "--report writes an HTML report (confusion matrix, per digit, per speaker, and the training curves "
                        + "when model.json lies beside the model)."})
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "FILE.onnx", description = "A model written by hark train.")
    Path model;

    @Option(names = "--data", paramLabel = "DIR|FILE.csv", description = "Labeled WAVs (" + DataDir.DEFAULTS + ").")
    Path data;

    @Option(names = "--json", paramLabel = "OUT.json", description = "Write the evaluation as JSON.")
    Path json;

    @Option(names = "--report", paramLabel = "DIR", description = "Write report.html and its pictures into DIR.")
    Path report;

    @Option(names = "--predictions", paramLabel = "OUT.csv",
            description = "Write every file's prediction: file,label,speaker,digit,confidence.")
    Path predictions;

    @Option(names = "--threads", description = "Threads for decoding, DSP and ONNX Runtime (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("no such model file: " + model);
        }
        Path data = DataDir.require(this.data);
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        try (DigitModel m = DigitModel.load(model, new DigitModel.Options(t))) {
            DigitClassifier classifier = new DigitClassifier(m);
            FeatureSpec spec = classifier.spec();
            DatasetFiles files = DatasetFiles.list(data);
            int total = files.entries().size();
            ProgressBar decoding = new ProgressBar("decoding", total);
            Dataset ds = new DatasetLoader(spec.sampleRate(), t).load(files, n -> decoding.update(n, ""));
            decoding.done(total, ds.clips().size() + " clips, " + ds.speakers().size() + " speakers");
            ds.failures().stream().limit(10).forEach(f -> System.err.println("  skipped " + f.name() + ": " + f.reason()));
            if (ds.clips().isEmpty()) {
                throw new IllegalArgumentException("no usable clips in " + data);
            }
            ProgressBar scoring = new ProgressBar("scoring", ds.clips().size());
            ModelEvaluator.Scored s = ModelEvaluator.score(classifier, ds.clips(), t, n -> scoring.update(n, ""));
            scoring.done(ds.clips().size(), "");
            Evaluation ev = s.evaluation();
            System.out.printf(Locale.ROOT, "model v%d (%s) on %s: accuracy %.2f %% (%d of %d)%n", m.version(),
                    m.featureConfigId(), data, 100 * ev.accuracy(), ev.correct(), ev.count());
            ev.perSpeaker().forEach((name, sm) -> System.out.printf(Locale.ROOT, "  %-12s %6.2f %% of %d%n", name,
                    100 * sm.accuracy(), sm.count()));
            if (!ds.failures().isEmpty()) {
                System.out.println(ds.failures().size() + " file(s) could not be used (listed above)");
            }
            if (predictions != null) {
                StringBuilder csv = new StringBuilder("file,label,speaker,digit,confidence\n");
                for (int i = 0; i < s.clips().size(); i++) {
                    var c = s.clips().get(i);
                    csv.append(c.name()).append(',').append(c.label()).append(',').append(c.speaker()).append(',')
                            .append(s.predicted()[i]).append(',')
                            .append(String.format(Locale.ROOT, "%.6f", s.confidence()[i])).append('\n');
                }
                Files.writeString(predictions, csv);
                System.out.println("wrote " + predictions);
            }
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            if (json != null) {
                mapper.writeValue(json.toFile(), ev);
                System.out.println("wrote " + json);
            }
            if (report != null) {
                Map<String, String> facts = new LinkedHashMap<>();
                facts.put("model", model + " (version " + m.version() + ")");
                facts.put("data", data + " (" + ds.clips().size() + " clips, " + ds.failures().size() + " unusable)");
                facts.put("features", m.featureConfigId());
                HtmlReport html = new HtmlReport("Hark evaluation of model v" + m.version())
                        .facts("Summary", facts)
                        .evaluation("Evaluation", ev, "confusion.png");
                List<EpochStats> history = historyBeside(mapper, model);
                html.curves("Training curves (from model.json)", history, "curves.png");
                System.out.println("wrote " + html.write(report, "report.html"));
            }
            return ExitCodes.OK;
        }
    }

    /** The training curves from the model.json written next to the model by hark train, if any. */
    static List<EpochStats> historyBeside(ObjectMapper mapper, Path model) {
        Path card = model.toAbsolutePath().resolveSibling("model.json");
        List<EpochStats> out = new ArrayList<>();
        if (!Files.isRegularFile(card)) {
            return out;
        }
        try {
            JsonNode h = mapper.readTree(card.toFile()).path("training").path("history");
            for (JsonNode e : h) {
                out.add(new EpochStats(e.path("epoch").asInt(), e.path("epochs").asInt(), e.path("trainLoss").asDouble(),
                        e.path("trainAccuracy").asDouble(), e.path("validationAccuracy").asDouble(Double.NaN),
                        e.path("learningRate").asDouble(), e.path("seconds").asDouble()));
            }
        } catch (java.io.IOException e) {
            System.err.println("could not read " + card + ": " + e.getMessage());
        }
        return out;
    }
}
