package dev.hark.features.segment;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.hark.testing.SharedData;

/**
 * The acceptance figure: every shared recording, concatenated with 300–800 ms of low noise and
 * streamed in 20–100 ms chunks, comes back as one clip holding it. Prints the figure docs/design.md
 * quotes.
 */
class SegmentationOverFsddTest {

    @Test
    void atLeast99PercentOfAllRecordingsComeBackAsSingleClips() throws Exception {
        Path dir = SharedData.requireFsdd();
        List<Path> files = SegmentationCheck.recordings(dir);
        SegmentationCheck.Scene scene = SegmentationCheck.scene(files, 8000, 42, SegmentationCheck.LOW_NOISE_RMS);
        List<DeviceAudio.Cut> cuts = SegmentationCheck.stream(scene, DeviceAudio.Settings.defaults(), 42);
        SegmentationCheck.Report report = SegmentationCheck.evaluate(scene, cuts);
        System.out.println("[segmentation] " + report);
        assertEquals(files.size(), report.utterances());
        assertTrue(report.singleFraction() >= 0.99, report.toString());
        assertTrue(report.spurious() <= files.size() / 100, report.toString());
    }
}
