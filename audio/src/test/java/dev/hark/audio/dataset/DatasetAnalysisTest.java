package dev.hark.audio.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hark.audio.WavWriter;
import dev.hark.audio.dataset.ClipCheck.Flag;

class DatasetAnalysisTest {

    /**
     * Two speakers: ann says every digit twice, bob digits 0–4 once; one of bob's is a copy of one of
     * ann's under another name and label, one of ann's is silent, one is clipped; plus a file that is
     * not a WAV and one without a label in its name.
     */
    static void writeFolder(Path dir) throws Exception {
        Files.createDirectories(dir);
        for (int d = 0; d < 10; d++) {
            for (int t = 0; t < 2; t++) {
                float[] x = new Clips(100 * d + t).room(100).burst(400, 0.2 + 0.01 * d, 200 + 40 * d).room(100).samples();
                WavWriter.write(dir.resolve(d + "_ann_" + t + ".wav"), x, 8000);
            }
        }
        for (int d = 0; d < 5; d++) {
            float[] x = new Clips(1000 + d).room(50).burst(300, 0.25, 250 + 30 * d).room(50).samples();
            WavWriter.write(dir.resolve(d + "_bob_0.wav"), x, 16000); // another rate
        }
        Files.copy(dir.resolve("7_ann_1.wav"), dir.resolve("1_bob_1.wav")); // same audio, other name and label
        WavWriter.write(dir.resolve("3_ann_1.wav"), new Clips(5).room(500).samples(), 8000); // silent
        WavWriter.write(dir.resolve("4_ann_1.wav"), new Clips(6).room(100).clippedSine(400).room(100).samples(), 8000);
        Files.writeString(dir.resolve("9_bob_7.wav"), "not a recording");
        WavWriter.write(dir.resolve("notes.wav"), new Clips(7).burst(300, 0.2, 300).samples(), 8000);
    }

    @Test
    void countsDistributionsFlagsDuplicatesAndUnreadableFiles(@TempDir Path dir) throws Exception {
        writeFolder(dir);
        DatasetFiles files = DatasetFiles.list(dir);
        AtomicInteger progress = new AtomicInteger();
        AtomicInteger seen = new AtomicInteger();
        DatasetAnalysis a = DatasetAnalysis.analyze(files, ClipCheck.defaults(), 2, n -> progress.accumulateAndGet(n, Math::max),
                (entry, audio) -> seen.incrementAndGet());

        assertEquals(28, a.files());
        assertEquals(26, a.clips().size());
        assertEquals(26, seen.get());
        assertEquals(27, progress.get(), "every listed entry (the unnamed file fails at listing)");
        assertEquals(List.of("ann", "bob"), a.speakers());
        assertArrayEquals(new int[] {2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, a.counts().get("ann"));
        assertArrayEquals(new int[] {1, 2, 1, 1, 1, 0, 0, 0, 0, 0}, a.counts().get("bob"));
        assertArrayEquals(new int[] {3, 4, 3, 3, 3, 2, 2, 2, 2, 2}, a.perDigit());

        assertEquals(Map.of(8000, 21L, 16000, 5L), a.sampleRates());
        assertEquals(Map.of("16-bit PCM", 26L), a.sampleFormats());
        assertEquals(Map.of(1, 26L), a.channels());
        assertEquals(0.2, a.lengths().min(), 1e-9, "bob: 400 ms of samples written at twice the rate");
        assertEquals(0.6, a.lengths().max(), 1e-9);

        assertEquals(List.of("3_ann_1.wav", "4_ann_1.wav"), a.flagged().stream().map(DatasetAnalysis.Clip::name).toList());
        assertEquals(Map.of(Flag.SILENT, 1, Flag.CLIPPED, 1), a.flagCounts());

        assertEquals(1, a.duplicates().size());
        DatasetAnalysis.Duplicate dup = a.duplicates().get(0);
        assertEquals(List.of("1_bob_1.wav", "7_ann_1.wav"), dup.names());
        assertTrue(dup.labelsDisagree());

        assertEquals(List.of("9_bob_7.wav", "notes.wav"), a.unreadable().stream().map(DatasetFiles.Failure::name).toList());
        assertTrue(a.unreadable().get(0).reason().contains("RIFF"), a.unreadable().get(0).reason());
        assertTrue(a.unreadable().get(1).reason().contains("no label"), a.unreadable().get(1).reason());

        assertEquals("2 of 26 clips flagged: 1 silent, 1 clipped; 1 group of identical clips; 2 files unreadable",
                a.flagSummary());
        assertFalse(a.clean());
    }

    @Test
    void theCollectorGivesTheSameAnswerAsAnalyze(@TempDir Path dir) throws Exception {
        writeFolder(dir);
        DatasetFiles files = DatasetFiles.list(dir);
        DatasetAnalysis.Collector c = new DatasetAnalysis.Collector(ClipCheck.defaults());
        DatasetAnalysis direct = DatasetAnalysis.analyze(files, ClipCheck.defaults(), 1, n -> { }, c);
        DatasetAnalysis collected = c.finish(files.layout(), direct.unreadable());
        assertEquals(direct, collected);
    }

    @Test
    void aCleanFolderSaysSo(@TempDir Path dir) throws Exception {
        for (int d = 0; d < 3; d++) {
            WavWriter.write(dir.resolve(d + "_cy_0.wav"), new Clips(d).room(100).burst(400, 0.3, 300 + 50 * d).room(100).samples(), 8000);
        }
        DatasetAnalysis a = DatasetAnalysis.analyze(DatasetFiles.list(dir), ClipCheck.defaults(), 1, n -> { }, null);
        assertTrue(a.clean());
        assertEquals("3 clips, none flagged", a.flagSummary());
    }
}
