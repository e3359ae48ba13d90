package dev.hark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

class DataDirTest {

    @Test
    void dataElseHarkDataElseUnderHome() {
        assertEquals(Path.of("/given"), DataDir.choose(Path.of("/given"), Map.of("HARK_DATA", "/data/x")));
        assertEquals(Path.of("/data/x"), DataDir.choose(null, Map.of("HARK_DATA", "/data/x")));
        assertEquals(Path.of(System.getProperty("user.home"), ".hark", "datasets", "fsdd"), DataDir.choose(null, Map.of()));
        assertEquals(Path.of(System.getProperty("user.home"), ".hark", "datasets", "fsdd"),
                DataDir.choose(null, Map.of("HARK_DATA", " ")));
    }

    @Test
    void aMissingDatasetSaysWhereItLookedAndWhatToDo(@TempDir Path tmp) {
        assertEquals(tmp, DataDir.require(null, Map.of("HARK_DATA", tmp.toString())));
        Path nowhere = tmp.resolve("nowhere");
        var e = assertThrows(IllegalArgumentException.class, () -> DataDir.require(null, Map.of("HARK_DATA", nowhere.toString())));
        assertEquals("no dataset at " + nowhere + ": put FSDD's recordings there (`hark demo` downloads them) or pass "
                + "--data / set HARK_DATA", e.getMessage());
    }

    @Test
    void everyCommandThatReadsADatasetSaysSoAndFailsClearlyWithoutOne(@TempDir Path tmp) {
        String nowhere = tmp.resolve("nowhere").toString();
        for (String[] args : new String[][] {
                {"train", "--data", nowhere, "--epochs", "1"},
                {"eval", "--model", tmp.resolve("m.onnx").toString(), "--data", nowhere},
                {"replay", nowhere},
                {"replay", "--data", nowhere},
                {"simulate", "--data", nowhere},
                {"features", "0_george_0.wav", "--data", nowhere}}) {
            StringWriter err = new StringWriter();
            CommandLine cl = Hark.commandLine();
            cl.setErr(new PrintWriter(err));
            int exit = cl.execute(args);
            assertEquals(ExitCodes.FAILED, exit, String.join(" ", args));
            if (!args[0].equals("eval")) { // eval first says its model file is missing
                assertTrue(err.toString().contains("no dataset at " + nowhere), args[0] + ": " + err);
            }
        }
        for (String command : new String[] {"demo", "simulate", "train", "eval", "replay", "features"}) {
            StringWriter out = new StringWriter();
            CommandLine cl = Hark.commandLine();
            cl.setOut(new PrintWriter(out));
            cl.execute(command, "--help");
            String help = out.toString().replaceAll("\\s+", ""); // wrapped at any character
            assertTrue(help.contains("$HARK_DATA") && help.contains("~/.hark/datasets/fsdd"), command + ": " + out);
        }
    }
}
