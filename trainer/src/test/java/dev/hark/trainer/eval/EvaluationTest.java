package dev.hark.trainer.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class EvaluationTest {

    @Test
    void metricsFromAHandCheckedExample() throws Exception {
        // true:      0 0 0 1 1 2
        // predicted: 0 0 1 1 2 2
        Evaluation ev = Evaluation.of(new int[] {0, 0, 0, 1, 1, 2}, new int[] {0, 0, 1, 1, 2, 2},
                List.of("a", "a", "b", "b", "b", "a"));
        assertEquals(6, ev.count());
        assertEquals(4 / 6.0, ev.accuracy(), 1e-12);
        assertEquals(1.0, ev.perClass().get("0").precision(), 1e-12);
        assertEquals(2 / 3.0, ev.perClass().get("0").recall(), 1e-12);
        assertEquals(0.8, ev.perClass().get("0").f1(), 1e-12);
        assertEquals(0.5, ev.perClass().get("1").precision(), 1e-12);
        assertEquals(0.5, ev.perClass().get("1").recall(), 1e-12);
        assertEquals(0.5, ev.perClass().get("2").precision(), 1e-12);
        assertEquals(1.0, ev.perClass().get("2").recall(), 1e-12);
        assertEquals(0, ev.perClass().get("7").support());
        assertArrayEquals(new int[] {2, 1, 0, 0, 0, 0, 0, 0, 0, 0}, ev.confusionMatrix()[0]);
        assertArrayEquals(new int[] {0, 1, 1, 0, 0, 0, 0, 0, 0, 0}, ev.confusionMatrix()[1]);
        assertEquals(1.0, ev.perSpeaker().get("a").accuracy(), 1e-12);
        assertEquals(1 / 3.0, ev.perSpeaker().get("b").accuracy(), 1e-12);

        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(ev));
        assertEquals(List.of("count", "accuracy", "per_class", "confusion_matrix", "per_speaker"),
                iterator(json.fieldNames()));
        assertEquals(List.of("precision", "recall", "f1", "support"), iterator(json.get("per_class").get("0").fieldNames()));
        assertEquals(List.of("count", "accuracy"), iterator(json.get("per_speaker").get("a").fieldNames()));
        assertEquals(10, json.get("confusion_matrix").size());
        assertEquals(1, json.get("confusion_matrix").get(1).get(2).asInt(), "row = true 1, column = predicted 2");
    }

    static List<String> iterator(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
