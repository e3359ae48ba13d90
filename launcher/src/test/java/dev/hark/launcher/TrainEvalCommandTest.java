package dev.hark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hark.audio.WavWriter;

/** hark train then hark eval on a folder of WAVs named {digit}_{speaker}_{take}.wav: files and JSON shape. */
class TrainEvalCommandTest {

    /** Chirps whose slope is the "digit"; speakers shift the pitch a little. */
    static void writeFolder(Path dir, String[] speakers, int takes) throws Exception {
        Random r = new Random(3);
        Files.createDirectories(dir);
        for (int s = 0; s < speakers.length; s++) {
            for (int d = 0; d < 10; d++) {
                for (int t = 0; t < takes; t++) {
                    float[] x = new float[4000];
                    double f0 = 2000 * (1 + 0.03 * s);
                    double phase = 0;
                    for (int i = 0; i < x.length; i++) {
                        double f = f0 + (d - 4.5) * 1500 * (i / 8000.0 - 0.25);
                        phase += 2 * Math.PI * f / 8000;
                        x[i] = (float) (0.3 * Math.sin(Math.PI * i / x.length) * Math.sin(phase) + 0.002 * r.nextGaussian());
                    }
                    WavWriter.write(dir.resolve(d + "_" + speakers[s] + "_" + t + ".wav"), x, 8000);
                }
            }
        }
    }

    @Test
    void trainWritesModelCardReportThenEvalWritesTheJson(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        writeFolder(data, new String[] {"ann", "bob", "cat"}, 8);
        Files.writeString(data.resolve("README.wav"), "not a recording"); // reported, not fatal
        Path out = dir.resolve("model");

        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream before = System.err;
        System.setErr(new java.io.PrintStream(new java.io.OutputStream() { // still shown, and kept to look at
            @Override
            public void write(int b) {
                before.write(b);
                stderr.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                before.write(b, off, len);
                stderr.write(b, off, len);
            }
        }, true));
        try {
            assertEquals(0, Hark.commandLine().execute("train", "--data", data.toString(), "--out", out.toString(),
                    "--epochs", "3", "--batch", "16", "--channels", "8,16", "--augment", "none", "--threads", "2"));
        } finally {
            System.setErr(before);
        }
        assertTrue(stderr.toString().contains("checks: 240 clips, none flagged; 1 file unreadable (see hark dataset " + data + ")"),
                "the checks of hark dataset ran on the input, and training went on:\n" + stderr);
        for (String f : new String[] {"model.onnx", "model.json", "evaluation.json", "report.html", "confusion.png", "curves.png"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode card = json.readTree(out.resolve("model.json").toFile());
        assertEquals(1, card.path("version").asInt());
        assertEquals(64, card.path("onnx").path("sha256").asText().length());
        assertTrue(card.path("onnx").path("djl_parity_max_abs_logit_diff").asDouble() < 1e-4);
        assertEquals(3, card.path("training").path("history").size());
        assertTrue(card.path("metrics").path("evaluation_set").asText().contains("take"), "FSDD naming: the standard split");

        Path evalJson = dir.resolve("eval.json");
        assertEquals(0, Hark.commandLine().execute("eval", "--model", out.resolve("model.onnx").toString(),
                "--data", data.toString(), "--json", evalJson.toString(), "--report", dir.resolve("report").toString()));
        JsonNode ev = json.readTree(evalJson.toFile());
        assertEquals(240, ev.path("count").asInt());
        double acc = ev.path("accuracy").asDouble();
        assertTrue(acc >= 0 && acc <= 1, "a fraction");
        assertEquals(10, ev.path("per_class").size());
        for (String k : new String[] {"precision", "recall", "f1", "support"}) {
            assertTrue(ev.path("per_class").path("3").has(k), k);
        }
        assertEquals(10, ev.path("confusion_matrix").size());
        int sum = 0;
        for (JsonNode row : ev.path("confusion_matrix")) {
            assertEquals(10, row.size());
            for (JsonNode c : row) {
                sum += c.asInt();
            }
        }
        assertEquals(240, sum);
        assertEquals(80, ev.path("per_speaker").path("bob").path("count").asInt());
        assertTrue(Files.size(dir.resolve("report/report.html")) > 0);
        assertTrue(Files.size(dir.resolve("report/curves.png")) > 0, "training curves from model.json beside the model");

        // hark classify and hark eval agree on every file of the folder
        Path csv = dir.resolve("predictions.csv");
        assertEquals(0, Hark.commandLine().execute("eval", "--model", out.resolve("model.onnx").toString(),
                "--data", data.toString(), "--predictions", csv.toString()));
        java.util.Map<String, Integer> byEval = new java.util.HashMap<>();
        for (String line : Files.readAllLines(csv).subList(1, 241)) {
            String[] f = line.split(",");
            byEval.put(f[0], Integer.parseInt(f[3]));
        }
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            Hark.commandLine().execute("classify", "--model", out.resolve("model.onnx").toString(), data.toString(), "--json");
        } finally {
            System.setOut(old);
        }
        int compared = 0;
        for (String line : buf.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            if (!line.startsWith("{")) {
                continue;
            }
            JsonNode r = json.readTree(line);
            String name = data.relativize(Path.of(r.path("file").asText()).toAbsolutePath()).toString();
            assertEquals(byEval.get(name), r.path("digit").asInt(), name);
            compared++;
        }
        assertEquals(240, compared, "every file classified once");
    }

    @Test
    void missingDataIsAClearError(@TempDir Path tmp) {
        assertEquals(ExitCodes.FAILED, Hark.commandLine().execute("train", "--data", tmp.resolve("none").toString(),
                "--epochs", "1"));
    }
}
