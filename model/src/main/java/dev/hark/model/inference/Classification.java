package dev.hark.model.inference;

import java.util.ArrayList;
import java.util.List;

/**
 * One clip's answer: the digit (the most probable class; the lower digit on a tie), its probability,
 * and all ten probabilities (digits 0..9).
 */
public record Classification(int digit, float confidence, float[] probabilities) {

    /** The answer for probabilities over digits 0..9: the one argmax of Hark. */
    public static Classification of(float[] probabilities) {
        if (probabilities.length == 0) {
            throw new IllegalArgumentException("no probabilities");
        }
        int digit = 0;
        for (int d = 1; d < probabilities.length; d++) {
            if (probabilities[d] > probabilities[digit]) {
                digit = d;
            }
        }
        return new Classification(digit, probabilities[digit], probabilities);
    }

    /** The probabilities as a list (as the {@code Prediction} record carries them). */
    public List<Float> probabilityList() {
        List<Float> p = new ArrayList<>(probabilities.length);
        for (float v : probabilities) {
            p.add(v);
        }
        return p;
    }
}
