package dev.hark.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hark.audio.Resampler;
import dev.hark.audio.dataset.ClipCheck;
import dev.hark.audio.dataset.DatasetAnalysis;
import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.model.inference.DigitClassifier;
import dev.hark.model.inference.DigitModel;
import dev.hark.trainer.data.LabeledClip;
import dev.hark.trainer.eval.Charts;
import dev.hark.trainer.eval.HtmlReport;
import dev.hark.trainer.eval.ModelEvaluator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** {@code hark dataset DIR}: know the data before training on it. */
@Command(name = "dataset", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Check a dataset before training on it: clips per digit and speaker, sample rates, bit depths, "
                + "lengths and levels, and the clips to look at: silent, clipped, too short or too long (over the "
                + ClipCheck.MAX_CLIP_SECONDS + " s a clip may have), no word or several words (the live segmenter's "
                + "count), exact duplicates, files that cannot be read, and with --model the clips a model confidently "
                + "hears as another digit (mislabeled-looking).",
                "",
                "Data: as hark train reads it (FSDD {digit}_{speaker}_{take}.wav, AudioMNIST NN/{digit}_{NN}_{take}.wav, "
                        + "or a CSV manifest path,label,speaker). `hark train` runs the same checks on its input.",
                "--json writes {\"source\", \"layout\", \"files\", \"readable\", \"speakers\", \"counts\": {speaker: "
                        + "[10 counts]}, \"sample_rates\", \"sample_formats\", \"channels\", \"length_seconds\", "
                        + "\"rms_dbfs\", \"peak_dbfs\" ({min, median, max, mean}), \"thresholds\", \"flag_counts\", "
                        + "\"flagged\": [{name, label, speaker, flags: [{flag, reason}]}], \"duplicates\": [{names, "
                        + "labels}], \"unreadable\": [{name, reason}], \"model_check\", \"clips\": [every clip's "
                        + "measurements]}.",
                "Exit codes: 0 the data was read (flags do not change it), 1 the folder cannot be read (missing, "
                        + "no WAVs) or the model cannot be loaded, 2 wrong usage."})
final class DatasetCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR|FILE.csv",
            description = "Labeled WAVs (" + DataDir.DEFAULTS + ").")
    Path data;

    @Option(names = "--model", paramLabel = "DIR|FILE.onnx",
            description = "A model (a hark train --out folder, or its model.onnx) to find mislabeled-looking clips.")
    Path model;

    @Option(names = "--min-confidence", defaultValue = "0.9", paramLabel = "P",
            description = "With --model: flag a clip when the model gives another digit at least this probability "
                    + "(default: ${DEFAULT-VALUE}).")
    double minConfidence;

    @Option(names = "--json", paramLabel = "OUT.json", description = "Write the analysis as JSON.")
    Path json;

    @Option(names = "--report", paramLabel = "DIR", description = "Write report.html (SVG plots inline) into DIR.")
    Path report;

    @Option(names = "--show", defaultValue = "20", paramLabel = "N",
            description = "Flagged clips to print (default: ${DEFAULT-VALUE}; --json and --report list all).")
    int show;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for decoding and checks (default: all cores).")
    Integer threads;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** A clip the model confidently hears as another digit than its label. */
    record Disagreement(String name, String speaker, int label, int predicted, double confidence) {}

    /** What the model check found, or why it did not run. */
    record ModelCheck(String model, double minConfidence, int scored, int agreeing, List<Disagreement> disagreements,
                      String skipped) {
        static ModelCheck notRun() {
            return new ModelCheck(null, Double.NaN, 0, 0, List.of(), "skipped: pass --model DIR (a `hark train --out` "
                    + "folder) to flag clips a model confidently hears as another digit");
        }
    }

    @Override
    public Integer call() throws Exception {
        if (minConfidence <= 0 || minConfidence > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--min-confidence must be in (0, 1], got " + minConfidence);
        }
        PrintWriter out = spec.commandLine().getOut();
        Path data = DataDir.require(this.data);
        int t = threads != null ? Math.max(1, threads) : Runtime.getRuntime().availableProcessors();
        DatasetFiles files = DatasetFiles.list(data);

        DigitModel m = model == null ? null : DigitModel.load(onnxFile(model), new DigitModel.Options(t));
        try {
            DigitClassifier classifier = m == null ? null : new DigitClassifier(m);
            int modelRate = classifier == null ? 0 : classifier.spec().sampleRate();
            // the model sees each clip as hark eval does: decoded once here, resampled to its feature rate
            ConcurrentLinkedQueue<LabeledClip> forModel = new ConcurrentLinkedQueue<>();
            ProgressBar checking = new ProgressBar("checking", files.entries().size());
            DatasetAnalysis a = DatasetAnalysis.analyze(files, ClipCheck.defaults(), t, n -> checking.update(n, ""),
                    classifier == null ? null : (e, audio) -> forModel.add(new LabeledClip(e.name(), e.label(), e.speaker(),
                            e.take(), Resampler.toRate(audio, modelRate).samples())));
            checking.done(files.entries().size(), a.clips().size() + " readable");
            ModelCheck mc = classifier == null ? ModelCheck.notRun() : modelCheck(classifier, m, forModel, t);

            printSummary(out, data, a, mc);
            if (json != null) {
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), toJson(data, a, mc));
                out.println("wrote " + json);
            }
            if (report != null) {
                out.println("wrote " + report(data, a, mc).write(report, "report.html"));
            }
            return ExitCodes.OK;
        } finally {
            if (m != null) {
                m.close();
            }
        }
    }

    /** A {@code hark train --out} folder stands for its model.onnx. */
    static Path onnxFile(Path model) {
        Path file = Files.isDirectory(model) ? model.resolve("model.onnx") : model;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(Files.isDirectory(model)
                    ? model + " has no model.onnx (a `hark train --out` folder has one)" : "no such model file: " + model);
        }
        return file;
    }

    private ModelCheck modelCheck(DigitClassifier classifier, DigitModel m, ConcurrentLinkedQueue<LabeledClip> queue, int t) {
        List<LabeledClip> clips = new ArrayList<>(queue);
        clips.sort(Comparator.comparing(LabeledClip::name));
        ProgressBar scoring = new ProgressBar("scoring", clips.size());
        ModelEvaluator.Scored s = ModelEvaluator.score(classifier, clips, t, n -> scoring.update(n, ""));
        scoring.done(clips.size(), "");
        List<Disagreement> out = new ArrayList<>();
        int agreeing = 0;
        for (int i = 0; i < clips.size(); i++) {
            LabeledClip c = clips.get(i);
            if (s.predicted()[i] == c.label()) {
                agreeing++;
            } else if (s.confidence()[i] >= minConfidence) {
                out.add(new Disagreement(c.name(), c.speaker(), c.label(), s.predicted()[i], s.confidence()[i]));
            }
        }
        out.sort(Comparator.comparingDouble(Disagreement::confidence).reversed().thenComparing(Disagreement::name));
        return new ModelCheck(model + " (version " + m.version() + ")", minConfidence, clips.size(), agreeing, out, null);
    }

    // ---- text ----

    private void printSummary(PrintWriter out, Path data, DatasetAnalysis a, ModelCheck mc) {
        out.printf(Locale.ROOT, "%s: %s layout, %d files, %d readable, %d speakers%n", data, a.layout(), a.files(),
                a.clips().size(), a.speakers().size());
        out.println();
        out.println("clips per speaker and digit:");
        for (String line : countTable(a)) {
            out.println("  " + line);
        }
        out.println();
        out.println("sample rates:  " + tally(a.sampleRates(), " Hz"));
        out.println("formats:       " + tally(a.sampleFormats(), ""));
        out.println("channels:      " + a.channels().entrySet().stream()
                .map(e -> (e.getKey() == 1 ? "mono" : e.getKey() == 2 ? "stereo" : e.getKey() + " channels") + " × " + e.getValue())
                .collect(Collectors.joining(", ")));
        out.println("length:        " + spread(a.lengths(), "%.2f", "s"));
        out.println("RMS level:     " + spread(a.rmsLevels(), "%.1f", "dBFS"));
        out.println("peak level:    " + spread(a.peakLevels(), "%.1f", "dBFS"));
        out.println("words/clip:    " + tally(new java.util.TreeMap<>(a.clips().stream()
                .collect(Collectors.groupingBy(c -> c.check().utterances(), Collectors.counting()))), ""));
        out.println("checks:        " + thresholds(a.thresholds()));
        out.println();
        out.println(a.flagSummary());
        List<DatasetAnalysis.Clip> flagged = a.flagged();
        int width = Math.max(1, Math.min(40, java.util.stream.Stream.concat(flagged.stream().map(DatasetAnalysis.Clip::name),
                mc.disagreements().stream().map(Disagreement::name)).mapToInt(String::length).max().orElse(1)));
        flagged.stream().limit(show).forEach(c -> out.printf(Locale.ROOT, "  %-" + width + "s  %s%n", c.name(),
                c.check().issues().stream().map(ClipCheck.Issue::toString).collect(Collectors.joining("; "))));
        more(out, flagged.size());
        if (!a.duplicates().isEmpty()) {
            out.println("identical audio:");
            a.duplicates().stream().limit(show).forEach(d -> out.println("  " + String.join(" = ", d.names())
                    + (d.labelsDisagree() ? "  (labels differ: one is wrong)" : "")));
            more(out, a.duplicates().size());
        }
        if (!a.unreadable().isEmpty()) {
            out.println("unreadable:");
            a.unreadable().stream().limit(show).forEach(f -> out.println("  " + f.name() + ": " + f.reason()));
            more(out, a.unreadable().size());
        }
        out.println();
        if (mc.skipped() != null) {
            out.println("model check: " + mc.skipped());
        } else {
            out.printf(Locale.ROOT, "model check: %s agrees with %d of %d labels (%.1f %%); %d clip%s heard as another "
                            + "digit with probability >= %.2f%s%n", mc.model(), mc.agreeing(), mc.scored(),
                    mc.scored() == 0 ? 0 : 100.0 * mc.agreeing() / mc.scored(), mc.disagreements().size(),
                    mc.disagreements().size() == 1 ? "" : "s", mc.minConfidence(), mc.disagreements().isEmpty() ? "" : ":");
            mc.disagreements().stream().limit(show).forEach(d -> out.printf(Locale.ROOT,
                    "  %-" + width + "s  labeled %d, heard %d (%.3f)%n", d.name(), d.label(), d.predicted(), d.confidence()));
            more(out, mc.disagreements().size());
        }
    }

    private void more(PrintWriter out, int total) {
        if (total > show) {
            out.println("  ... and " + (total - show) + " more" + (json == null && report == null
                    ? " (--json or --report lists all)" : ""));
        }
    }

    /** Rows of speaker, ten digit counts and a total; a last row of totals. */
    static List<String> countTable(DatasetAnalysis a) {
        Map<String, int[]> counts = a.counts();
        int nameWidth = Math.max(7, counts.keySet().stream().mapToInt(String::length).max().orElse(0));
        List<String> lines = new ArrayList<>();
        String digits = IntStream.range(0, 10).mapToObj(d -> String.format(Locale.ROOT, "%5d", d)).collect(Collectors.joining());
        lines.add(String.format(Locale.ROOT, "%-" + nameWidth + "s%s  %6s", "speaker", digits, "total"));
        counts.forEach((speaker, c) -> lines.add(row(nameWidth, speaker, c)));
        lines.add(row(nameWidth, "total", a.perDigit()));
        return lines;
    }

    private static String row(int nameWidth, String name, int[] c) {
        return String.format(Locale.ROOT, "%-" + nameWidth + "s%s  %6d", name,
                IntStream.of(c).mapToObj(v -> String.format(Locale.ROOT, "%5d", v)).collect(Collectors.joining()), IntStream.of(c).sum());
    }

    private static String tally(Map<?, Long> m, String unit) {
        return m.isEmpty() ? "-" : m.entrySet().stream().map(e -> e.getKey() + unit + " × " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String spread(DatasetAnalysis.Spread s, String fmt, String unit) {
        if (Double.isNaN(s.min())) {
            return "-";
        }
        return String.format(Locale.ROOT, "min " + fmt + ", median " + fmt + ", max " + fmt + " %s (mean " + fmt + ")",
                s.min(), s.median(), s.max(), unit, s.mean());
    }

    static String thresholds(ClipCheck.Thresholds t) {
        return String.format(Locale.ROOT, "silent when no 10 ms reaches %.0f dBFS, clipped when over %.1f %% of samples "
                        + "are at full scale, too short under %.2f s, too long over %.0f s%s", t.silentDbfs(),
                100 * t.clippedShare(), t.minSeconds(), t.maxSeconds(), t.countUtterances() ? ", one word per clip" : "");
    }

    // ---- JSON ----

    private static Map<String, Object> toJson(Path data, DatasetAnalysis a, ModelCheck mc) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("source", data.toString());
        j.put("layout", a.layout().toString());
        j.put("files", a.files());
        j.put("readable", a.clips().size());
        j.put("speakers", a.speakers());
        j.put("counts", a.counts());
        j.put("per_digit", a.perDigit());
        j.put("sample_rates", a.sampleRates());
        j.put("sample_formats", a.sampleFormats());
        j.put("channels", a.channels());
        j.put("length_seconds", a.lengths());
        j.put("rms_dbfs", a.rmsLevels());
        j.put("peak_dbfs", a.peakLevels());
        j.put("thresholds", a.thresholds());
        Map<String, Integer> flagCounts = new LinkedHashMap<>();
        a.flagCounts().forEach((f, n) -> flagCounts.put(f.label(), n));
        j.put("flag_counts", flagCounts);
        j.put("flagged", a.flagged().stream().map(c -> {
            Map<String, Object> f = clipHeader(c);
            f.put("flags", c.check().issues().stream().map(i -> Map.of("flag", i.flag().label(), "reason", i.reason())).toList());
            return f;
        }).toList());
        j.put("duplicates", a.duplicates().stream().map(d -> Map.of("names", d.names(),
                "labels", d.clips().stream().map(DatasetAnalysis.Clip::label).toList())).toList());
        j.put("unreadable", a.unreadable().stream().map(f -> Map.of("name", f.name(), "reason", f.reason())).toList());
        Map<String, Object> model = new LinkedHashMap<>();
        if (mc.skipped() != null) {
            model.put("skipped", mc.skipped());
        } else {
            model.put("model", mc.model());
            model.put("min_confidence", mc.minConfidence());
            model.put("scored", mc.scored());
            model.put("agreeing", mc.agreeing());
            model.put("disagreements", mc.disagreements());
        }
        j.put("model_check", model);
        j.put("clips", a.clips().stream().map(c -> {
            Map<String, Object> m = clipHeader(c);
            ClipCheck.Result r = c.check();
            m.put("sample_rate", r.sampleRate());
            m.put("bit_depth", r.bitDepth());
            m.put("channels", r.channels());
            m.put("seconds", r.seconds());
            m.put("peak_dbfs", r.peakDbfs());
            m.put("rms_dbfs", r.rmsDbfs());
            m.put("utterances", r.utterances());
            m.put("sha256", c.digest());
            return m;
        }).toList());
        return j;
    }

    private static Map<String, Object> clipHeader(DatasetAnalysis.Clip c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("label", c.label());
        m.put("speaker", c.speaker());
        return m;
    }

    // ---- HTML ----

    private static HtmlReport report(Path data, DatasetAnalysis a, ModelCheck mc) {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("data", data + " (" + a.layout() + ")");
        facts.put("files", a.files() + " (" + a.clips().size() + " readable, " + a.unreadable().size() + " unreadable)");
        facts.put("speakers", a.speakers().size() + ": " + String.join(", ", a.speakers()));
        facts.put("flags", a.flagSummary());
        facts.put("checks", thresholds(a.thresholds()));
        facts.put("model check", mc.skipped() != null ? mc.skipped() : mc.model() + ": " + mc.disagreements().size()
                + " clip(s) heard as another digit with probability >= " + mc.minConfidence());
        HtmlReport html = new HtmlReport("Hark dataset: " + data.getFileName()).facts("Summary", facts);

        html.heading("Clips per digit and speaker");
        int[] perDigit = a.perDigit();
        html.svg(Charts.barChartSvg("clips per digit", "digit",
                IntStream.range(0, 10).mapToObj(Integer::toString).toList(), IntStream.of(perDigit).asDoubleStream().toArray()));
        Map<String, int[]> counts = a.counts();
        html.svg(Charts.barChartSvg("clips per speaker", "speaker", new ArrayList<>(counts.keySet()),
                counts.values().stream().mapToDouble(c -> IntStream.of(c).sum()).toArray()));
        List<String[]> rows = new ArrayList<>();
        counts.forEach((s, c) -> rows.add(countRow(s, c)));
        rows.add(countRow("total", perDigit));
        String[] header = new String[12];
        header[0] = "speaker";
        for (int d = 0; d < 10; d++) {
            header[d + 1] = Integer.toString(d);
        }
        header[11] = "total";
        html.table("counts", header, rows);

        html.heading("Lengths and levels");
        html.svg(Charts.histogramSvg("clip length", "seconds", values(a, ClipCheck.Result::seconds), 30));
        html.svg(Charts.histogramSvg("RMS level", "dBFS", values(a, ClipCheck.Result::rmsDbfs), 30));
        html.svg(Charts.histogramSvg("peak level", "dBFS", values(a, ClipCheck.Result::peakDbfs), 30));
        Map<String, Long> formats = new java.util.TreeMap<>(a.clips().stream().collect(Collectors.groupingBy(c ->
                c.check().sampleRate() + " Hz|" + c.check().sampleFormat() + "|" + c.check().channels(), Collectors.counting())));
        html.table("sample rates and formats", new String[] {"sample rate", "format", "channels", "clips"},
                formats.entrySet().stream().map(e -> {
                    String[] k = e.getKey().split("\\|");
                    return new String[] {k[0], k[1], k[2], Long.toString(e.getValue())};
                }).toList());

        html.heading("Flagged clips");
        html.paragraph(a.flagSummary() + ". Checks: " + thresholds(a.thresholds()) + ".");
        if (!a.flagged().isEmpty()) {
            html.table("flagged", new String[] {"clip", "label", "speaker", "length", "RMS", "flags"}, a.flagged().stream()
                    .map(c -> new String[] {c.name(), Integer.toString(c.label()), c.speaker(),
                            String.format(Locale.ROOT, "%.2f s", c.check().seconds()),
                            String.format(Locale.ROOT, "%.1f dBFS", c.check().rmsDbfs()),
                            c.check().issues().stream().map(ClipCheck.Issue::toString).collect(Collectors.joining("; "))})
                    .toList());
        }
        if (!a.duplicates().isEmpty()) {
            html.table("identical audio", new String[] {"clips", "labels"}, a.duplicates().stream()
                    .map(d -> new String[] {String.join(", ", d.names()), d.clips().stream()
                            .map(c -> Integer.toString(c.label())).collect(Collectors.joining(", "))
                            + (d.labelsDisagree() ? " (differ)" : "")}).toList());
        }
        if (!a.unreadable().isEmpty()) {
            html.table("unreadable", new String[] {"file", "reason"},
                    a.unreadable().stream().map(f -> new String[] {f.name(), f.reason()}).toList());
        }

        html.heading("Mislabeled-looking clips");
        if (mc.skipped() != null) {
            html.paragraph("Model check " + mc.skipped() + ".");
        } else {
            html.paragraph(String.format(Locale.ROOT, "%s agrees with %d of %d labels; %d clip(s) heard as another digit "
                    + "with probability >= %.2f.", mc.model(), mc.agreeing(), mc.scored(), mc.disagreements().size(), mc.minConfidence()));
            if (!mc.disagreements().isEmpty()) {
                html.table("heard as another digit", new String[] {"clip", "speaker", "label", "heard", "probability"},
                        mc.disagreements().stream().map(d -> new String[] {d.name(), d.speaker(), Integer.toString(d.label()),
                                Integer.toString(d.predicted()), String.format(Locale.ROOT, "%.3f", d.confidence())}).toList());
            }
        }
        return html;
    }

    private static String[] countRow(String name, int[] c) {
        String[] r = new String[12];
        r[0] = name;
        for (int d = 0; d < 10; d++) {
            r[d + 1] = Integer.toString(c[d]);
        }
        r[11] = Integer.toString(IntStream.of(c).sum());
        return r;
    }

    private static double[] values(DatasetAnalysis a, java.util.function.ToDoubleFunction<ClipCheck.Result> f) {
        return a.clips().stream().mapToDouble(c -> f.applyAsDouble(c.check())).toArray();
    }
}
