package dev.hark.audio.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** DSP speed targets are ratios to the baselines of the same run: the benchmark's last lines. */
class DspBenchmarkRatiosTest {

    @Test
    void eachHarkRowAgainstItsBaselines() {
        String report = DspBenchmark.ratios(Map.of("hark8k", 4601.0, "straightforward8k", 730.0, "naiveDft8k", 119.0,
                "hark48k", 465.0, "straightforward48k", 29.6));
        assertTrue(report.matches("(?s).*hark8k +/ straightforward8k +4601\\.0 / 730\\.0 += +6\\.30x\\R.*"), report);
        assertTrue(report.matches("(?s).*hark8k +/ naiveDft8k +4601\\.0 / 119\\.0 += +38\\.66x\\R.*"), report);
        assertTrue(report.matches("(?s).*hark48k +/ straightforward48k +465\\.0 / 29\\.6 += +15\\.71x\\R.*"), report);
    }

    @Test
    void aRowWithoutItsBaselineSaysSo() {
        String report = DspBenchmark.ratios(Map.of("hark8k", 4601.0));
        assertTrue(report.contains("hark8k   / straightforward8k   not both in this run"), report);
        assertTrue(report.contains("hark48k  / straightforward48k  not both in this run"), report);
    }
}
