package dev.hark.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hark.audio.Digests;
import dev.hark.audio.WavDecoder;
import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.audio.synth.FestivalEngine;
import dev.hark.audio.synth.FliteEngine;
import dev.hark.audio.synth.SynthManifest;
import dev.hark.audio.synth.SynthVoice;
import dev.hark.audio.synth.Synthesizer;
import picocli.CommandLine;

/** {@code hark synth} end to end with the real engines, into a temp folder, read back as the trainer reads it. */
class SynthCommandTest {

    /** One run of the command: its exit code and what it printed. */
    record Run(int exit, String out, String err) {}

    private static Run synth(Synthesizer engines, String... args) {
        CommandLine cli = Hark.commandLine();
        if (engines != null) {
            ((SynthCommand) cli.getSubcommands().get("synth").getCommand()).synthesizer = engines;
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] all = Stream.concat(Stream.of("synth"), Stream.of(args)).toArray(String[]::new);
        return new Run(cli.execute(all), out.toString(), err.toString());
    }

    private static void requireVoices(SynthVoice... voices) {
        Map<SynthVoice, String> missing = Synthesizer.onPath().missing(List.of(voices));
        assumeTrue(missing.isEmpty(), () -> "needs the engines: " + String.join("; ", missing.values()));
    }

    @Test
    void twoVoicesMakeAnFsddSetWithAManifestAndTheSameBytesTwice(@TempDir Path dir) throws Exception {
        requireVoices(SynthVoice.KAL, SynthVoice.KDLPC);
        Path first = dir.resolve("first");
        Run run = synth(null, "--out", first.toString(), "--voices", "kal,kdlpc", "--takes", "1", "--seed", "5");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("2 voices x 10 digits x 1 take = 20 clips"), run.out());
        assertTrue(run.out().matches("(?s).*\\n  flite-kal +10 clips\\n  festival-kdlpc +10 clips\\n.*"), run.out());

        // the trainer's reader takes the folder as FSDD, with every label and speaker from the names
        DatasetFiles files = DatasetFiles.list(first);
        assertEquals(DatasetFiles.Layout.FSDD, files.layout());
        assertEquals(List.of(), files.failures());
        assertEquals(20, files.entries().size());
        assertEquals(Set.of("flite-kal", "festival-kdlpc"),
                files.entries().stream().map(DatasetFiles.Entry::speaker).collect(Collectors.toSet()));
        for (int digit = 0; digit <= 9; digit++) {
            int d = digit;
            assertEquals(2, files.entries().stream().filter(e -> e.label() == d && e.take() == 0).count(), "digit " + d);
        }

        List<SynthManifest.Row> rows = SynthManifest.read(first.resolve(SynthManifest.FILE));
        assertEquals(20, rows.size());
        for (SynthManifest.Row row : rows) {
            Path wav = first.resolve(row.file());
            assertEquals(row.label() + "_" + row.speaker() + "_0.wav", row.file());
            assertEquals(List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
                    .get(row.label()), row.text());
            assertEquals(row.speaker().equals("flite-kal") ? "flite" : "festival", row.engine());
            assertEquals(row.speaker().equals("flite-kal") ? "kal" : "ked_diphone", row.voice());
            assertTrue(row.rate() >= 0.85 && row.rate() <= 1.2, row.toString());
            assertTrue(row.pitch() >= 0.8 && row.pitch() <= 1.25, row.toString());
            assertEquals(Digests.sha256(Files.readAllBytes(wav)), row.sha256(), row.file());
            assertEquals(8000, WavDecoder.decode(wav).sampleRate());
        }

        Path second = dir.resolve("second");
        assertEquals(0, synth(null, "--out", second.toString(), "--voices", "kal,kdlpc", "--takes", "1", "--seed", "5").exit());
        Map<String, byte[]> a = contents(first);
        Map<String, byte[]> b = contents(second);
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertArrayEquals(a.get(name), b.get(name), name + " differs between two runs of the same arguments");
        }
    }

    @Test
    void aMissingEngineIsSkippedWithThePackageToInstall(@TempDir Path dir) throws Exception {
        requireVoices(SynthVoice.KDLPC);
        Synthesizer noFlite = new Synthesizer(new FliteEngine("/nonexistent/flite"), new FestivalEngine());
        Run run = synth(noFlite, "--out", dir.toString(), "--voices", "kal,kdlpc", "--takes", "1");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.err().contains("hark synth: skipping flite-kal: /nonexistent/flite is not installed; install it "
                + "with: apt-get install flite\n"), run.err());
        assertEquals(Set.of("festival-kdlpc"), DatasetFiles.list(dir).entries().stream()
                .map(DatasetFiles.Entry::speaker).collect(Collectors.toSet()));
    }

    @Test
    void noEngineAtAllIsANonZeroExitNamingEachPackage(@TempDir Path dir) {
        // no engine needed: programs that are not there are the same on every machine
        Synthesizer none = new Synthesizer(new FliteEngine("/nonexistent/flite"), new FestivalEngine("/nonexistent/festival"));
        Run run = synth(none, "--out", dir.resolve("set").toString(), "--voices", "slt,kdlpc");
        assertEquals(ExitCodes.NO_SYNTH_ENGINE, run.exit());
        assertTrue(run.err().contains("skipping flite-slt: /nonexistent/flite is not installed; install it with: "
                + "apt-get install flite\n"), run.err());
        assertTrue(run.err().contains("skipping festival-kdlpc: /nonexistent/festival is not installed; install it with: "
                + "apt-get install festival festvox-kdlpc16k\n"), run.err());
        assertTrue(Files.notExists(dir.resolve("set")), "nothing written");
    }

    @Test
    void anUnknownVoiceIsAUsageErrorListingTheVoices(@TempDir Path dir) {
        Run run = synth(null, "--out", dir.toString(), "--voices", "kal,bob");
        assertEquals(ExitCodes.USAGE, run.exit());
        assertTrue(run.err().contains("unknown voice 'bob'; the voices are kal,awb,rms,slt,kdlpc"), run.err());
    }

    @Test
    void aFolderThatIsNotEmptyIsOneLine(@TempDir Path dir) throws Exception {
        requireVoices(SynthVoice.KAL);
        Files.writeString(dir.resolve("7_theo_0.wav"), "not ours");
        Run run = synth(null, "--out", dir.toString(), "--voices", "kal", "--takes", "1");
        assertEquals(ExitCodes.FAILED, run.exit());
        assertTrue(run.err().startsWith("hark synth: " + dir + " is not empty; hark synth writes a whole set, so give it a "
                + "new or empty folder\n"), run.err());
    }

    private static Map<String, byte[]> contents(Path dir) throws Exception {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.toList()) {
                files.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }
}
