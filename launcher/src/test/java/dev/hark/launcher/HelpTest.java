package dev.hark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

class HelpTest {

    @Test
    void helpListsEveryCommandOfTheBriefWithOneLineEach() {
        CommandLine cli = Hark.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute("--help"));
        String help = out.toString();
        for (String command : new String[] {"demo", "up", "replay", "mic", "simulate", "dataset", "synth", "train", "eval",
                "classify", "features", "tail", "models"}) {
            assertTrue(help.matches("(?s).*\\n  " + command + " +\\S.*"), command + " listed with a description:\n" + help);
        }
    }

    @Test
    void everyCommandHasItsOwnHelp() {
        for (String command : Hark.ORDER) {
            CommandLine cli = Hark.commandLine();
            StringWriter out = new StringWriter();
            cli.setOut(new PrintWriter(out));
            assertEquals(0, cli.execute(command, "--help"), command);
            assertTrue(out.toString().startsWith("Usage: hark " + command), out.toString());
        }
    }

    @Test
    void durationsParse() {
        assertEquals(-1, Durations.parseMs("forever"));
        assertEquals(43_200_000L, Durations.parseMs("12h"));
        assertEquals(2_592_000_000L, Durations.parseMs("30d"));
        assertEquals(1500, Durations.parseMs("1500"));
    }
}
