package dev.hark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hark.audio.WavWriter;

/** hark enroll on chirp "digits": the model folder it writes, the clips it refuses, its argument errors; and train --loso --enroll. */
class EnrollCommandTest {

    @TempDir
    static Path dir;
    static Path data;
    static Path model;

    /** What a command printed, and its exit code. */
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            picocli.CommandLine cli = Hark.commandLine();
            cli.setErr(new java.io.PrintWriter(System.err, true));
            code = cli.execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        Run r = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        oldOut.print(r.out);
        oldErr.print(r.err);
        return r;
    }

    @BeforeAll
    static void trainOne() throws Exception {
        data = dir.resolve("data");
        TrainEvalCommandTest.writeFolder(data, new String[] {"ann", "bob", "cat"}, 7);
        model = dir.resolve("model");
        Run r = run("train", "--data", data.toString(), "--out", model.toString(), "--epochs", "2", "--batch", "16",
                "--channels", "8,16", "--augment", "none", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.size(model.resolve("model.params")) > 0, "hark train keeps the weights enrollment starts from");
    }

    static Path speakerFolder(String name) throws Exception {
        Path clips = dir.resolve(name);
        TrainEvalCommandTest.writeFolder(clips, new String[] {"dan"}, 3);
        return clips;
    }

    @Test
    void enrollWritesTheModelFolderAndJudgesBeforeAndAfter() throws Exception {
        Path clips = speakerFolder("dan-clips");
        WavWriter.write(clips.resolve("4_silence.wav"), new float[8000], 8000);
        float[] loud = new float[8000];
        for (int i = 0; i < loud.length; i++) {
            loud[i] = (float) Math.max(-1, Math.min(1, 3 * Math.sin(2 * Math.PI * 300 * i / 8000.0)));
        }
        WavWriter.write(clips.resolve("7_shout.wav"), loud, 8000);
        Path out = dir.resolve("model-dan");
        Run r = run("enroll", "--model", model.toString(), "--speaker", "dan", "--from-dir", clips.toString(), "--data",
                data.toString(), "--out", out.toString(), "--epochs", "1", "--batch", "16", "--augment", "none",
                "--threads", "2", "--tolerance", "100");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("refused 4_silence.wav: silent"), r.err());
        assertTrue(r.err().contains("refused 7_shout.wav: clipped"), r.err());
        assertTrue(r.out().contains("enrolled dan into v2 (from v1): 20 clips enrolled, 10 kept back to test"), r.out());
        assertTrue(r.out().matches("(?s).*standard split.*\\(150 clips\\) +\\d+\\.\\d\\d % +\\d+\\.\\d\\d %.*"), r.out());
        assertTrue(r.out().matches("(?s).*dan's kept-back takes \\(10 clips\\) +\\d+\\.\\d\\d % +\\d+\\.\\d\\d %.*"), r.out());
        for (String f : new String[] {"model.onnx", "model.params", "model.json", "evaluation.json", "report.html"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        JsonNode card = new ObjectMapper().readTree(out.resolve("model.json").toFile());
        assertEquals(2, card.path("version").asInt());
        JsonNode e = card.path("enrollment");
        assertEquals("dan", e.path("speaker").asText());
        assertEquals(20, e.path("enrolled").size());
        assertEquals(10, e.path("kept_back").size());
        assertTrue(e.path("kept_back").toString().contains("3_dan_2.wav"), "the last take of each digit is kept back");
        assertEquals(2, e.path("refused").size());
        assertTrue(e.path("held_out").has("accuracy_before"));
        assertEquals(150, new ObjectMapper().readTree(out.resolve("evaluation.json").toFile()).path("count").asInt());
        // and the enrolled model can be enrolled again: it is a model folder like any other
        assertEquals(2, card.path("architecture").path("channels").size());
    }

    @Test
    void aModelFolderThatIsNotOneIsOneClearLine() throws Exception {
        Path clips = speakerFolder("dan-a");
        Run r = run("enroll", "--model", dir.resolve("nowhere").toString(), "--speaker", "dan", "--from-dir", clips.toString(),
                "--data", data.toString());
        assertEquals(ExitCodes.FAILED, r.code());
        assertTrue(r.err().contains("hark enroll: no model folder at " + dir.resolve("nowhere")), r.err());

        Path old = dir.resolve("old-model");
        Files.createDirectories(old);
        for (String f : new String[] {"model.onnx", "model.json"}) {
            Files.copy(model.resolve(f), old.resolve(f));
        }
        r = run("enroll", "--model", old.toString(), "--speaker", "dan", "--from-dir", clips.toString(), "--data", data.toString());
        assertEquals(ExitCodes.FAILED, r.code());
        assertTrue(r.err().contains("has no model.params") && r.err().contains("hark train --out " + old), r.err());
    }

    @Test
    void aMissingOrRefusedSpeakerFolderIsOneClearLine() throws Exception {
        Run r = run("enroll", "--model", model.toString(), "--speaker", "dan", "--from-dir", dir.resolve("none").toString(),
                "--data", data.toString());
        assertEquals(ExitCodes.FAILED, r.code());
        assertTrue(r.err().contains("hark enroll: no folder " + dir.resolve("none")), r.err());

        Path quiet = dir.resolve("quiet");
        Files.createDirectories(quiet);
        WavWriter.write(quiet.resolve("1_a.wav"), new float[8000], 8000);
        Files.writeString(quiet.resolve("x.wav"), "no digit in the name");
        r = run("enroll", "--model", model.toString(), "--speaker", "dan", "--from-dir", quiet.toString(), "--data",
                data.toString());
        assertEquals(ExitCodes.FAILED, r.code());
        assertTrue(r.err().contains("refused 1_a.wav: silent"), r.err());
        assertTrue(r.err().contains("refused x.wav: name is not {digit}_{anything}.wav"), r.err());
        assertTrue(r.err().contains("hark enroll: no clip of dan in " + quiet + " passed the checks"), r.err());

        r = run("enroll", "--model", model.toString(), "--speaker", "da_n", "--from-dir", quiet.toString());
        assertEquals(ExitCodes.FAILED, r.code());
        assertTrue(r.err().contains("a speaker name must be a word without '_'"), r.err());
    }

    @Test
    void withoutAFolderNorAMicrophoneItSaysSoAndExitsFour() {
        Run r = run("enroll", "--model", model.toString(), "--speaker", "dan");
        org.junit.jupiter.api.Assumptions.assumeTrue(r.code() != ExitCodes.USAGE, "this machine has a microphone");
        assertEquals(ExitCodes.NO_MICROPHONE, r.code());
        assertTrue(r.err().startsWith("hark enroll: no microphone") && r.err().contains("--from-dir DIR"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line:\n" + r.err());
    }

    @Test
    void losoWithEnrollmentPrintsATablePerSpeakerWithMeanAndWorst() throws Exception {
        Path small = dir.resolve("small");
        TrainEvalCommandTest.writeFolder(small, new String[] {"ann", "bob", "cat"}, 3);
        Path out = dir.resolve("loso");
        Run r = run("train", "--loso", "--enroll", "1,2", "--data", small.toString(), "--out", out.toString(), "--epochs",
                "1", "--batch", "16", "--channels", "8,16", "--augment", "none", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        String table = r.out().substring(r.out().indexOf("with enrollment"));
        assertTrue(table.lines().skip(1).findFirst().orElseThrow().matches(" +speaker +tested +k=0 +k=1 +k=2"), table);
        for (String row : new String[] {"ann", "bob", "cat"}) {
            assertTrue(table.matches("(?s).*\\n +" + row + " +10( +\\d+\\.\\d\\d %){3}\\n.*"), row + ":\n" + table);
        }
        assertTrue(table.matches("(?s).*\\n +mean( +\\d+\\.\\d\\d %){3}\\n +worst( +\\d+\\.\\d\\d %){3}\\n.*"), table);
        assertTrue(new ObjectMapper().readTree(out.resolve("loso.json").toFile()).path("enrollment").has("worst_accuracy"));

        Run noLoso = run("train", "--enroll", "1", "--data", small.toString(), "--out", out.toString());
        assertEquals(ExitCodes.FAILED, noLoso.code());
        assertTrue(noLoso.err().contains("add --loso"), noLoso.err());
    }
}
