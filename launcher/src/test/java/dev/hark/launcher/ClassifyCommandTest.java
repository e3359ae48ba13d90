package dev.hark.launcher;

import dev.hark.schemas.FeatureConfigs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hark.model.inference.DigitClassifier;
import dev.hark.model.inference.DigitModel;
import dev.hark.audio.WavDecoder;
import dev.hark.model.CnnWeights;
import dev.hark.model.HarkOnnxWriter;
import dev.hark.model.ModelInfo;
import dev.hark.audio.WavWriter;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.testing.SharedData;
import picocli.CommandLine;

class ClassifyCommandTest {

    static Path model(Path dir, String configId) throws Exception {
        FeatureSpec spec = FeatureSpec.defaults();
        byte[] onnx = HarkOnnxWriter.write(CnnWeights.random(3, spec.nMels(), spec.clipFrames(), 4, 8),
                new ModelInfo(5, configId, FeatureConfigs.toAvro(spec)));
        return Files.write(dir.resolve("model-" + configId + ".onnx"), onnx);
    }

    static Path tone(Path dir, String name, double hz) throws Exception {
        float[] x = new float[4000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.3 * Math.sin(2 * Math.PI * hz * i / 8000.0));
        }
        Path wav = dir.resolve(name);
        WavWriter.write(wav, x, 8000);
        return wav;
    }

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cli = Hark.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void printsOneLinePerFileThroughTheServingCode(@TempDir Path dir) throws Exception {
        Path model = model(dir, FeatureSpec.defaults().id());
        Path a = tone(dir, "a.wav", 300);
        Path b = tone(dir, "b.wav", 1200);

        Run text = run("classify", "--model", model.toString(), a.toString(), b.toString());
        assertEquals(0, text.exit(), text.err());
        List<String> lines = text.out().lines().toList();
        assertEquals(2, lines.size(), text.out());
        assertTrue(lines.get(0).matches(java.util.regex.Pattern.quote(a.toString()) + " \\d 0\\.\\d{4}"), lines.get(0));

        Run json = run("classify", "--model", model.toString(), "--json", dir.toString());
        assertEquals(0, json.exit(), json.err());
        List<String> jsonLines = json.out().lines().toList();
        assertEquals(2, jsonLines.size(), "a folder stands for its WAV files");
        try (DigitModel m = DigitModel.load(model, DigitModel.Options.defaults())) {
            DigitClassifier classifier = new DigitClassifier(m);
            for (String line : jsonLines) {
                JsonNode node = new ObjectMapper().readTree(line);
                Path file = Path.of(node.path("file").asText());
                float[] expected = m.predict(classifier.input(WavDecoder.decode(file)));
                float[] actual = new float[10];
                for (int d = 0; d < 10; d++) {
                    actual[d] = (float) node.path("probabilities").get(d).asDouble();
                }
                assertArrayEquals(expected, actual, 1e-6f);
                int argmax = 0;
                for (int d = 1; d < 10; d++) {
                    argmax = expected[d] > expected[argmax] ? d : argmax;
                }
                assertEquals(argmax, node.path("digit").asInt());
                assertEquals(expected[argmax], node.path("confidence").floatValue(), 1e-6f);
            }
        }
    }

    @Test
    void aBrokenFileIsOneLineAndTheOthersAreStillClassified(@TempDir Path dir) throws Exception {
        Path model = model(dir, FeatureSpec.defaults().id());
        Path good = tone(dir, "good.wav", 500);
        Path bad = Files.writeString(dir.resolve("bad.wav"), "hello");
        Run r = run("classify", "--model", model.toString(), bad.toString(), good.toString());
        assertEquals(ExitCodes.FAILED, r.exit());
        assertEquals(1, r.out().lines().count(), r.out());
        assertTrue(r.err().contains("bad.wav"), r.err());
    }

    @Test
    void aModelWhoseFeatureIdDoesNotMatchItsConfigurationIsRefused(@TempDir Path dir) throws Exception {
        Run r = run("classify", "--model", model(dir, "lm-000000000000").toString(), tone(dir, "a.wav", 440).toString());
        assertEquals(ExitCodes.FAILED, r.exit());
        assertTrue(r.err().contains("lm-000000000000"), r.err());
    }

    @Test
    void classifiesRealRecordings(@TempDir Path dir) throws Exception {
        Path fsdd = SharedData.requireFsdd();
        Path model = model(dir, FeatureSpec.defaults().id());
        Run r = run("classify", "--model", model.toString(), fsdd.resolve("0_jackson_0.wav").toString(),
                fsdd.resolve("7_theo_30.wav").toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(2, r.out().lines().count());
    }
}
