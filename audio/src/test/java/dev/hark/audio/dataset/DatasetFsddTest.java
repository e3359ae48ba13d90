package dev.hark.audio.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.hark.testing.SharedData;

/** The shared FSDD subset, as its README describes it (skipped, saying why, without it). */
class DatasetFsddTest {

    @Test
    void theSharedFsddHasTheCountsAndFormatItsReadmeStates() throws Exception {
        Path dir = SharedData.requireFsdd();
        DatasetAnalysis a = DatasetAnalysis.analyze(DatasetFiles.list(dir), ClipCheck.defaults(),
                Runtime.getRuntime().availableProcessors(), n -> { }, null);
        // README: 2,500 recordings, 8 kHz mono 16-bit, 5 speakers, 50 takes of each digit per speaker
        assertEquals(DatasetFiles.Layout.FSDD, a.layout());
        assertEquals(2500, a.files());
        assertEquals(List.of(), a.unreadable());
        assertEquals(List.of("george", "jackson", "nicolas", "theo", "yweweler"), a.speakers());
        a.counts().forEach((speaker, perDigit) -> assertArrayEquals(new int[] {50, 50, 50, 50, 50, 50, 50, 50, 50, 50},
                perDigit, speaker));
        assertEquals(Map.of(8000, 2500L), a.sampleRates());
        assertEquals(Map.of("16-bit PCM", 2500L), a.sampleFormats());
        assertEquals(Map.of(1, 2500L), a.channels());
        // README: lengths from 0.14 s to 2.3 s, median 0.42 s
        assertEquals(0.14, a.lengths().min(), 0.01);
        assertEquals(2.3, a.lengths().max(), 0.05);
        assertEquals(0.42, a.lengths().median(), 0.03);
        // a clean, trimmed dataset: one word per clip, none silent, clipped or of an impossible length
        assertEquals(List.of(), a.flagged().stream().map(c -> c.name() + " " + c.check().issues()).toList());
        assertEquals(List.of(), a.duplicates());
        assertTrue(a.clips().stream().allMatch(c -> c.check().utterances() == 1));
    }
}
