package dev.hark.audio.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hark.testing.SharedData;

/** What `hark features` does, for every shared recording: no file is an exception to the pipeline. */
class EveryFsddRecordingTest {

    @Test
    void everyRecordingGivesFiniteFeaturesAndAValidReport() throws Exception {
        Path dir = SharedData.requireFsdd();
        List<Path> files = wavs(dir);
        FeatureSpec spec = FeatureSpec.defaults();
        ObjectMapper json = new ObjectMapper();
        int checked = 0;
        for (Path file : files) {
            FeatureReport report = FeatureReport.of(file, spec);
            float[][] x = report.logMel();
            assertEquals(spec.nMels(), x.length, file.toString());
            assertEquals(spec.clipFrames(), x[0].length, file.toString());
            for (float[] row : x) {
                for (float v : row) {
                    assertTrue(Float.isFinite(v), file + " has a non-finite feature");
                }
            }
            assertTrue(report.summary().contains(spec.id()));
            if (checked++ % 100 == 0) { // the JSON and picture of a sample of them
                JsonNode root = json.readTree(report.toJson());
                assertEquals(spec.nMels(), root.path("mel").size());
                assertTrue(report.render().getWidth() > 0);
            }
        }
        assertEquals(2500, checked, "all shared recordings");
    }

    private static List<Path> wavs(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".wav")).sorted().toList();
        }
    }
}
