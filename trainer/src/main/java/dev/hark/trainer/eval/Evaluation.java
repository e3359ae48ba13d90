package dev.hark.trainer.eval;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Accuracy, per-class precision/recall/F1, confusion matrix (rows true, columns predicted) and
 * per-speaker accuracy of a set of predictions. Serialises to the JSON of {@code hark eval}:
 * {@code {"count", "accuracy", "per_class", "confusion_matrix", "per_speaker"}}, fractions not percent.
 */
@JsonPropertyOrder({"count", "accuracy", "per_class", "confusion_matrix", "per_speaker"})
public final class Evaluation {

    public static final int CLASSES = 10;

    @JsonPropertyOrder({"precision", "recall", "f1", "support"})
    public record ClassMetrics(double precision, double recall, double f1, int support) {}

    @JsonPropertyOrder({"count", "accuracy"})
    public record SpeakerMetrics(int count, double accuracy) {}

    private final int count;
    private final int correct;
    private final int[][] confusion;
    private final Map<String, SpeakerMetrics> perSpeaker;

    private Evaluation(int count, int correct, int[][] confusion, Map<String, SpeakerMetrics> perSpeaker) {
        this.count = count;
        this.correct = correct;
        this.confusion = confusion;
        this.perSpeaker = perSpeaker;
    }

    /** From true labels, predicted digits and speakers, index by index. */
    public static Evaluation of(int[] labels, int[] predicted, List<String> speakers) {
        if (labels.length != predicted.length || labels.length != speakers.size()) {
            throw new IllegalArgumentException("labels, predictions and speakers differ in length");
        }
        int[][] cm = new int[CLASSES][CLASSES];
        Map<String, int[]> spk = new TreeMap<>();
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            cm[labels[i]][predicted[i]]++;
            int[] s = spk.computeIfAbsent(speakers.get(i), k -> new int[2]);
            s[0]++;
            if (labels[i] == predicted[i]) {
                correct++;
                s[1]++;
            }
        }
        Map<String, SpeakerMetrics> perSpeaker = new LinkedHashMap<>();
        spk.forEach((k, v) -> perSpeaker.put(k, new SpeakerMetrics(v[0], v[1] / (double) v[0])));
        return new Evaluation(labels.length, correct, cm, perSpeaker);
    }

    @JsonProperty("count")
    public int count() {
        return count;
    }

    public int correct() {
        return correct;
    }

    @JsonProperty("accuracy")
    public double accuracy() {
        return count == 0 ? 0 : correct / (double) count;
    }

    @JsonProperty("per_class")
    public Map<String, ClassMetrics> perClass() {
        Map<String, ClassMetrics> m = new LinkedHashMap<>();
        for (int c = 0; c < CLASSES; c++) {
            int tp = confusion[c][c];
            int support = 0;
            int predictedAs = 0;
            for (int k = 0; k < CLASSES; k++) {
                support += confusion[c][k];
                predictedAs += confusion[k][c];
            }
            double precision = predictedAs == 0 ? 0 : tp / (double) predictedAs;
            double recall = support == 0 ? 0 : tp / (double) support;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            m.put(Integer.toString(c), new ClassMetrics(precision, recall, f1, support));
        }
        return m;
    }

    @JsonProperty("confusion_matrix")
    public int[][] confusionMatrix() {
        int[][] copy = new int[CLASSES][];
        for (int i = 0; i < CLASSES; i++) {
            copy[i] = confusion[i].clone();
        }
        return copy;
    }

    @JsonProperty("per_speaker")
    public Map<String, SpeakerMetrics> perSpeaker() {
        return perSpeaker;
    }

    public double macroF1() {
        return perClass().values().stream().mapToDouble(ClassMetrics::f1).average().orElse(0);
    }
}
