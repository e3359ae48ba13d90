package dev.hark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hark.audio.WavWriter;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.testing.SharedData;
import picocli.CommandLine;

/** hark dataset end to end: the printed summary, --json, --report, --model, and its exit codes. */
class DatasetCommandTest {

    /** A word-like tone burst between stretches of low room noise. */
    static float[] word(Random r, double hz, double amplitude) {
        float[] x = new float[4800];
        for (int i = 0; i < x.length; i++) {
            double env = i < 800 || i >= 4000 ? 0 : Math.sin(Math.PI * (i - 800) / 3200);
            x[i] = (float) (amplitude * env * Math.sin(2 * Math.PI * hz * i / 8000) + 0.0003 * r.nextGaussian());
        }
        return x;
    }

    /** ann and bob say each digit twice; one of bob's is silent, one clipped, one a copy; a third 8 is not a WAV. */
    static void writeFolder(Path dir) throws Exception {
        Random r = new Random(5);
        Files.createDirectories(dir);
        for (String speaker : new String[] {"ann", "bob"}) {
            for (int d = 0; d < 10; d++) {
                for (int t = 0; t < 2; t++) {
                    WavWriter.write(dir.resolve(d + "_" + speaker + "_" + t + ".wav"), word(r, 250 + 40 * d, 0.3), 8000);
                }
            }
        }
        WavWriter.write(dir.resolve("5_bob_1.wav"), word(r, 300, 0.0001), 8000); // silent
        float[] loud = word(r, 300, 3); // driven past full scale
        WavWriter.write(dir.resolve("6_bob_1.wav"), loud, 8000);
        Files.copy(dir.resolve("2_ann_0.wav"), dir.resolve("7_bob_1.wav"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("8_bob_2.wav"), "not a recording");
    }

    private static String[] run(String... args) {
        CommandLine cli = Hark.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void summaryJsonAndReportOfAFolderWithProblems(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        writeFolder(data);
        Path json = dir.resolve("dataset.json");
        Path report = dir.resolve("report");

        String[] r = run("dataset", data.toString(), "--json", json.toString(), "--report", report.toString(), "--threads", "2");
        assertEquals("0", r[0], r[2]);
        String out = r[1];
        assertTrue(out.contains("FSDD layout, 41 files, 40 readable, 2 speakers"), out);
        assertTrue(out.matches("(?s).*\\n  ann +2 +2 +2 +2 +2 +2 +2 +2 +2 +2 +20\\n.*"), out);
        assertTrue(out.matches("(?s).*\\n  bob( +2){10} +20\\n.*"), "8_bob_2 is unreadable, not counted:\n" + out);
        assertTrue(out.contains("sample rates:  8000 Hz × 40"), out);
        assertTrue(out.contains("2 of 40 clips flagged: 1 silent, 1 clipped; 1 group of identical clips; 1 file unreadable"), out);
        assertTrue(out.matches("(?s).*\\n  5_bob_1\\.wav +silent \\(.*"), out);
        assertTrue(out.matches("(?s).*\\n  6_bob_1\\.wav +clipped \\(.*"), out);
        assertTrue(out.contains("2_ann_0.wav = 7_bob_1.wav  (labels differ: one is wrong)"), out);
        assertTrue(out.contains("8_bob_2.wav: "), out);
        assertTrue(out.contains("model check: skipped: pass --model DIR"), out);

        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals(41, j.path("files").asInt());
        assertEquals(40, j.path("readable").asInt());
        assertEquals(10, j.path("counts").path("ann").size());
        assertEquals(2, j.path("counts").path("bob").path(8).asInt());
        assertEquals(2, j.path("flagged").size());
        assertEquals("silent", j.path("flagged").path(0).path("flags").path(0).path("flag").asText());
        assertEquals(1, j.path("duplicates").size());
        assertEquals("8_bob_2.wav", j.path("unreadable").path(0).path("name").asText());
        assertEquals(40, j.path("clips").size());
        assertEquals(16, j.path("clips").path(0).path("bit_depth").asInt());
        assertTrue(j.path("model_check").path("skipped").asText().contains("--model"));

        String html = Files.readString(report.resolve("report.html"));
        assertTrue(html.split("<svg", -1).length - 1 >= 5, "counts per digit and speaker, length and level histograms");
        for (String s : new String[] {"clips per digit", "clips per speaker", "clip length", "RMS level", "5_bob_1.wav",
                "6_bob_1.wav", "7_bob_1.wav", "8_bob_2.wav", "16-bit PCM", "Model check skipped"}) {
            assertTrue(html.contains(s), s);
        }
    }

    @Test
    void withAModelItListsTheClipsTheModelHearsAsAnotherDigit(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        writeFolder(data);
        Path modelDir = Files.createDirectories(dir.resolve("model"));
        Files.move(ClassifyCommandTest.model(dir, FeatureSpec.defaults().id()), modelDir.resolve("model.onnx"));
        Path json = dir.resolve("dataset.json");

        // a random model is never sure, so any probability counts: every disagreement is listed
        String[] r = run("dataset", data.toString(), "--model", modelDir.toString(), "--min-confidence", "0.01",
                "--json", json.toString(), "--show", "3");
        assertEquals("0", r[0], r[2]);
        JsonNode mc = new ObjectMapper().readTree(json.toFile()).path("model_check");
        assertEquals(40, mc.path("scored").asInt());
        int disagreeing = 40 - mc.path("agreeing").asInt();
        assertEquals(disagreeing, mc.path("disagreements").size());
        assertTrue(disagreeing > 3, "a random model gets most wrong: " + disagreeing);
        JsonNode first = mc.path("disagreements").path(0);
        assertTrue(first.path("label").asInt() != first.path("predicted").asInt());
        assertTrue(r[1].contains("model check: " + modelDir + " (version 5) agrees with"), r[1]);
        assertTrue(r[1].contains("  ... and " + (disagreeing - 3) + " more"), r[1]);
        assertTrue(r[1].matches("(?s).*\\n  \\S+\\.wav +labeled \\d, heard \\d \\(0\\.\\d{3}\\)\\n.*"), r[1]);
    }

    @Test
    void exitCodes(@TempDir Path dir) throws Exception {
        String[] missing = run("dataset", dir.resolve("nothing-here").toString());
        assertEquals("1", missing[0]);
        assertTrue(missing[2].startsWith("hark dataset: no dataset at "), missing[2]);

        Files.writeString(dir.resolve("readme.txt"), "no recordings");
        String[] empty = run("dataset", dir.toString());
        assertEquals("1", empty[0]);
        assertTrue(empty[2].startsWith("hark dataset: no .wav files under "), empty[2]);

        writeFolder(dir.resolve("data"));
        assertEquals("2", run("dataset", dir.resolve("data").toString(), "--min-confidence", "1.5")[0]);
        String[] noModel = run("dataset", dir.resolve("data").toString(), "--model", dir.toString());
        assertEquals("1", noModel[0]);
        assertTrue(noModel[2].contains("has no model.onnx"), noModel[2]);
    }

    @Test
    void theSharedFsddIsCleanAndEven() throws Exception {
        Path fsdd = SharedData.requireFsdd();
        String[] r = run("dataset", fsdd.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("FSDD layout, 2500 files, 2500 readable, 5 speakers"), r[1]);
        for (String speaker : new String[] {"george", "jackson", "nicolas", "theo", "yweweler"}) {
            assertTrue(r[1].matches("(?s).*\\n  " + speaker + "( +50){10} +500\\n.*"), speaker + ":\n" + r[1]);
        }
        assertTrue(r[1].contains("2500 clips, none flagged"), r[1]);
    }
}
