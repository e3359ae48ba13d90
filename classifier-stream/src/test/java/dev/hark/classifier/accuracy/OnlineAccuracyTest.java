package dev.hark.classifier.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.hark.avro.Prediction;

class OnlineAccuracyTest {

    @Test
    void slidesOverTheLastLabeledPredictionsOfEachVersion() {
        OnlineAccuracy accuracy = new OnlineAccuracy(4);
        assertTrue(Double.isNaN(accuracy.accuracy(1)));
        accuracy.record(1, 3, 3);
        accuracy.record(1, 3, 5);
        assertEquals(0.5, accuracy.accuracy(1));
        accuracy.record(1, 1, 1);
        accuracy.record(1, 1, 1);
        assertEquals(0.75, accuracy.accuracy(1));
        accuracy.record(1, 2, 2); // pushes out the first (right) one
        accuracy.record(1, 2, 2); // pushes out the wrong one
        assertEquals(1.0, accuracy.accuracy(1));
        var v1 = accuracy.of(1).orElseThrow();
        assertEquals(4, v1.count());
        assertEquals(6, v1.total());
        accuracy.record(2, 0, 9);
        assertEquals(List.of(1, 2), accuracy.snapshot().stream().map(OnlineAccuracy.VersionAccuracy::version).toList());
        assertEquals(0.0, accuracy.accuracy(2));
    }

    @Test
    void countsOnlyPredictionsWhoseClipHadALabel() {
        OnlineAccuracy accuracy = new OnlineAccuracy();
        Instant t = Instant.EPOCH;
        Prediction.Builder p = Prediction.newBuilder().setClipId("c").setSource("s").setDigit(4).setConfidence(0.9f)
                .setProbabilities(List.of(0f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 0f, 0f)).setModelVersion(3)
                .setFeatureConfigId("lm").setCapturedAtMs(t).setClipCreatedAtMs(t).setFeaturesCreatedAtMs(t)
                .setPredictedAtMs(t);
        assertFalse(accuracy.record(p.setLabel(null).build()));
        assertTrue(accuracy.record(p.setLabel(4).build()));
        assertEquals(1.0, accuracy.accuracy(3));
        assertEquals(500, accuracy.window());
    }
}
