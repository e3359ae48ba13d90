package dev.hark.producer.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.hark.producer.device.OutcomeWatcher.Kind;
import dev.hark.producer.device.OutcomeWatcher.Outcome;
import dev.hark.producer.simulate.SimulationReport.Utterance;

/** The matching rules, on hand-made sample ranges (8 kHz: 400 samples = 50 ms). */
class SimulationReportTest {

    static final int RATE = 8000;

    static Utterance said(String device, long start, long end, int label) {
        return new Utterance(device, "s-" + device, start, end, label, label + "_x_" + start + ".wav", 10_000 + end / 8);
    }

    static Outcome predicted(String device, long start, long end, int digit, int version) {
        long cut = 10_000 + end / 8 + 300; // cut 300 ms after the end of the range
        return new Outcome(Kind.PREDICTION, device, "s-" + device, start, end, device + ":" + start, digit, 0.9f, version,
                0, cut, cut + 20, null, null, null, 0);
    }

    static Outcome deadLetter(String device, long start, long end) {
        return new Outcome(Kind.DEAD_LETTER, device, "s-" + device, start, end, null, -1, 0, -1, -1, -1, -1,
                "feature-stream.clips", "too-short", "m", 0);
    }

    static Outcome clip(String device, long start, long end) {
        return new Outcome(Kind.CLIP, device, "s-" + device, start, end, device + ":" + start, -1, 0, -1, 0, 0, -1, null,
                null, null, 0);
    }

    @Test
    void everyUtteranceEndsAsAPredictionADeadLetterOrUnaccounted() {
        List<Utterance> said = List.of(
                said("a", 8_000, 12_000, 3),    // answered right (clip has pre/post-roll)
                said("a", 20_000, 24_000, 5),   // answered wrong
                said("a", 32_000, 36_000, 7),   // dead-lettered
                said("b", 8_000, 12_000, 1),    // unaccounted
                said("b", 20_000, 26_000, 2));  // split in two pieces; the bigger piece is right
        List<Outcome> outcomes = List.of(
                clip("a", 7_040, 13_200), predicted("a", 7_040, 13_200, 3, 1),
                predicted("a", 19_040, 25_200, 6, 1),
                deadLetter("a", 31_040, 37_000),
                predicted("b", 19_040, 21_000, 9, 2), predicted("b", 21_000, 27_000, 2, 2),
                predicted("b", 40_000, 44_000, 4, 2),     // in a pause: spurious
                predicted("b", 11_800, 16_000, 4, 2),     // 25 ms of roll brushing an utterance: spurious
                predicted("c", 8_000, 12_000, 1, 2));     // another session's range: spurious
        SimulationReport r = SimulationReport.match(2, said, outcomes, RATE, 10.0, new SimulationReport.Chunks(9, 9, 0, 0));
        assertEquals(5, r.utterancesSent());
        assertEquals(1, r.clips());
        assertEquals(7, r.predictions());
        assertEquals(1, r.deadLetters());
        assertEquals(3, r.answered());
        assertEquals(2, r.correct());
        assertEquals(1, r.deadLettered());
        assertEquals(1, r.unaccounted());
        assertEquals(3, r.spurious());
        assertEquals(1, r.split());
        assertEquals(0, r.duplicatePredictions());
        assertEquals(0.4, r.accuracy(), 1e-12);
        assertEquals(Map.of(1, 2, 2, 5), r.modelVersions());
        assertEquals(Map.of("feature-stream.clips: too-short", 1), r.deadLetterReasons());
        assertEquals(0.7, r.throughputClipsPerS(), 1e-12);
        assertEquals(1, r.confusion()[3][3]);
        assertEquals(1, r.confusion()[5][6]);
        assertEquals(List.of("5_x_20000.wav heard as 6 (0.90) on a"), r.wrong());
        // endpoint: the clip is cut 300 ms after its own end, which is 150 ms (1,200 samples) after the speech
        assertEquals(450.0, r.endpointMs().p50(), 1e-9);
        assertEquals(20.0, r.pipelineMs().max(), 1e-9);
    }

    @Test
    void percentilesAreNearestRank() {
        List<Utterance> said = new java.util.ArrayList<>();
        List<Outcome> outcomes = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            said.add(said("d", i * 10_000L, i * 10_000L + 4_000, 1));
            long cut = 1_000;
            outcomes.add(new Outcome(Kind.PREDICTION, "d", "s-d", i * 10_000L, i * 10_000L + 4_000, "x", 1, 1f, 1, 0, cut,
                    cut + i + 1, null, null, null, 0));
        }
        SimulationReport r = SimulationReport.match(1, said, outcomes, RATE, 1, new SimulationReport.Chunks(0, 0, 0, 0));
        assertEquals(50, r.pipelineMs().p50(), 0);
        assertEquals(95, r.pipelineMs().p95(), 0);
        assertEquals(99, r.pipelineMs().p99(), 0);
        assertEquals(100, r.pipelineMs().max(), 0);
        assertEquals(1.0, r.accuracy(), 0);
    }
}
