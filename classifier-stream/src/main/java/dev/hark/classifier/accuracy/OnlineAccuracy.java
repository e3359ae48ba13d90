package dev.hark.classifier.accuracy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

import dev.hark.avro.Prediction;

/**
 * Online accuracy per model version over a sliding window: of the last {@code window} predictions
 * whose clip had a label, the fraction that were right. Thread-safe. The classifier stream feeds it
 * as it predicts (and exposes it as the {@code hark-online-accuracy} metric); {@code hark models}
 * can feed it the records of {@code audio.predictions} with {@link #record(Prediction)}.
 */
public final class OnlineAccuracy {
    public static final int DEFAULT_WINDOW = 500;

    /**
     * @param version  model version
     * @param count    labeled predictions in the window (at most the window size)
     * @param correct  of those, how many were right
     * @param total    labeled predictions seen for this version, ever
     * @param accuracy {@code correct / count}, NaN when nothing labeled was seen
     */
    public record VersionAccuracy(int version, int count, int correct, long total, double accuracy) {
    }

    private final int window;
    private final TreeMap<Integer, Ring> versions = new TreeMap<>();

    public OnlineAccuracy(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1, was " + window);
        }
        this.window = window;
    }

    public OnlineAccuracy() {
        this(DEFAULT_WINDOW);
    }

    public int window() {
        return window;
    }

    /** Counts a prediction if its clip had a label; returns whether it did. */
    public boolean record(Prediction prediction) {
        if (prediction.getLabel() == null) {
            return false;
        }
        record(prediction.getModelVersion(), prediction.getLabel(), prediction.getDigit());
        return true;
    }

    public synchronized void record(int version, int label, int digit) {
        versions.computeIfAbsent(version, v -> new Ring(window)).add(label == digit);
    }

    public synchronized Optional<VersionAccuracy> of(int version) {
        Ring ring = versions.get(version);
        return ring == null ? Optional.empty() : Optional.of(ring.snapshot(version));
    }

    /** Accuracy of {@code version}, NaN before its first labeled prediction. */
    public double accuracy(int version) {
        return of(version).map(VersionAccuracy::accuracy).orElse(Double.NaN);
    }

    /** Every version seen, in version order. */
    public synchronized List<VersionAccuracy> snapshot() {
        List<VersionAccuracy> out = new ArrayList<>();
        versions.forEach((v, ring) -> out.add(ring.snapshot(v)));
        return out;
    }

    private static final class Ring {
        final boolean[] hits;
        int next;
        int count;
        int correct;
        long total;

        Ring(int window) {
            hits = new boolean[window];
        }

        void add(boolean hit) {
            if (count == hits.length) {
                if (hits[next]) {
                    correct--;
                }
            } else {
                count++;
            }
            hits[next] = hit;
            if (hit) {
                correct++;
            }
            next = (next + 1) % hits.length;
            total++;
        }

        VersionAccuracy snapshot(int version) {
            return new VersionAccuracy(version, count, correct, total, count == 0 ? Double.NaN : (double) correct / count);
        }
    }
}
