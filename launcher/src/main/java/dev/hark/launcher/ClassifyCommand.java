package dev.hark.launcher;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hark.model.inference.Classification;
import dev.hark.model.inference.DigitClassifier;
import dev.hark.model.inference.DigitModel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hark classify --model FILE.onnx WAV...}: the digit in each file, through the serving code. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = {"Print the digit heard in each WAV file, using a Hark ONNX model and the same decoding, DSP "
                + "(feature configuration read from the model) and ONNX Runtime code as the classifier stream.",
                "",
                "One line per file: FILE DIGIT CONFIDENCE. With --json, one JSON object per line: "
                        + "{\"file\", \"digit\", \"confidence\", \"probabilities\": [10 floats, digits 0..9]}. "
                        + "A folder stands for every *.wav under it (sorted). A file that cannot be read is one "
                        + "line on standard error; the others are still classified (exit code 1 at the end)."})
final class ClassifyCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "FILE.onnx", description = "A Hark ONNX model (hark train).")
    Path modelFile;

    @Parameters(paramLabel = "WAV", arity = "1..*", description = "WAV files, or folders of them.")
    List<Path> inputs;

    @Option(names = "--json", description = "One JSON object per line instead of text.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(modelFile)) {
            throw new IllegalArgumentException("no such model file: " + modelFile);
        }
        List<Path> files = expand(inputs);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ObjectMapper mapper = new ObjectMapper();
        int failed = 0;
        try (DigitModel model = DigitModel.load(modelFile, DigitModel.Options.defaults())) {
            DigitClassifier classifier = new DigitClassifier(model);
            classifier.spec(); // a model whose feature configuration is not what it claims is refused here, once
            for (Path file : files) {
                Classification r;
                try {
                    r = classifier.classify(file);
                } catch (IOException | RuntimeException e) {
                    failed++;
                    err.println("hark classify: " + file + ": " + e.getMessage());
                    continue;
                }
                if (json) {
                    ObjectNode line = mapper.createObjectNode();
                    line.put("file", file.toString());
                    line.put("digit", r.digit());
                    line.put("confidence", r.confidence());
                    ArrayNode p = line.putArray("probabilities");
                    for (float v : r.probabilities()) {
                        p.add(v);
                    }
                    out.println(mapper.writeValueAsString(line));
                } else {
                    out.println(file + " " + r.digit() + " " + String.format(Locale.ROOT, "%.4f", r.confidence()));
                }
                out.flush();
            }
        }
        err.flush();
        return failed == 0 ? ExitCodes.OK : ExitCodes.FAILED;
    }

    static List<Path> expand(List<Path> inputs) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path input : inputs) {
            if (Files.isDirectory(input)) {
                try (Stream<Path> walk = Files.walk(input)) {
                    walk.filter(Files::isRegularFile)
                            .filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".wav"))
                            .sorted().forEach(files::add);
                }
            } else {
                files.add(input);
            }
        }
        return files;
    }
}
