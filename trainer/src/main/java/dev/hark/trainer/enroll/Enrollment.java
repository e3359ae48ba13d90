package dev.hark.trainer.enroll;

import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.trainer.Holdout;
import dev.hark.trainer.TrainingRun;
import dev.hark.trainer.data.Dataset;
import dev.hark.trainer.data.LabeledClip;
import dev.hark.trainer.model.TrainingListener;
import dev.hark.trainer.model.TrainingOptions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntUnaryOperator;

/**
 * Teaching a trained model one more voice: the one fine-tuning path of {@code hark enroll} and of
 * {@code hark train --loso --enroll}. It starts from the model's own DJL weights (never from scratch)
 * and trains a few epochs, at a lower learning rate, on the model's training clips plus
 * {@link Recipe#weight} copies of the new speaker's enrolled clips: the copies make the few new
 * clips count without letting the model forget the others (the original clips stay in every epoch).
 * Each copy is its own index, so with augmentation on every copy is heard with different
 * augmentation.
 */
public final class Enrollment {

    /**
     * How to fine-tune.
     *
     * @param epochs       epochs over base + copies (0: the starting model, unchanged)
     * @param learningRate the peak learning rate, below training's so the start is not thrown away
     * @param weight       copies of every enrolled clip in an epoch
     */
    public record Recipe(int epochs, float learningRate, int weight) {

        public static final int DEFAULT_EPOCHS = 4;
        public static final float DEFAULT_LEARNING_RATE = 0.001f;
        public static final int DEFAULT_WEIGHT = 8;

        public Recipe {
            if (epochs < 0) {
                throw new IllegalArgumentException("fine-tuning epochs must not be negative, not " + epochs);
            }
            if (!(learningRate > 0)) {
                throw new IllegalArgumentException("the fine-tuning learning rate must be positive, not " + learningRate);
            }
            if (weight < 1) {
                throw new IllegalArgumentException("the enrolled clips' weight must be at least 1, not " + weight);
            }
        }

        public static Recipe defaults() {
            return new Recipe(DEFAULT_EPOCHS, DEFAULT_LEARNING_RATE, DEFAULT_WEIGHT);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "fine-tune epochs=%d lr=%s weight=%d", epochs, learningRate, weight);
        }
    }

    /** A speaker's clips (indices into a dataset) cut into the enrolled ones and the ones kept to test. */
    public record Takes(int[] enrolled, int[] test) {}

    private final TrainingRun run;
    private final Recipe recipe;

    /**
     * @param base the options the starting model was trained with: its channels and dropout must be the
     *             model's, the rest (augmentation, batch, seed, threads) carries over; epochs and learning
     *             rate come from {@code recipe}
     */
    public Enrollment(FeatureSpec spec, TrainingOptions base, Recipe recipe) {
        this.recipe = recipe;
        this.run = new TrainingRun(spec, new TrainingOptions(recipe.epochs(), base.batchSize(), recipe.learningRate(),
                base.seed(), base.channels(), base.dropout(), base.augmentation(), base.threads()));
    }

    public Recipe recipe() {
        return recipe;
    }

    /** The run fine-tuning uses: its features and scoring are the ones to compare with. */
    public TrainingRun run() {
        return run;
    }

    /**
     * Fine-tunes {@code weights} on {@code data[baseTrain]} plus {@link Recipe#weight} copies of
     * {@code data[enrolled]}, and scores the result on {@code data[evaluation]} (in that order).
     * {@code features} are the clips' clean inputs, index by index ({@link TrainingRun#features}).
     *
     * @throws IllegalArgumentException when nothing is enrolled, nothing is evaluated, or the weights do not fit
     */
    public TrainingRun.Result fineTune(Dataset data, float[][][] features, int[] baseTrain, int[] enrolled,
                                       int[] evaluation, byte[] weights, int version, TrainingListener listener) {
        if (enrolled.length == 0) {
            throw new IllegalArgumentException("no clips to enroll");
        }
        if (evaluation.length == 0) {
            throw new IllegalArgumentException("no clips to evaluate the fine-tuned model on");
        }
        int n = data.clips().size();
        int copies = enrolled.length * recipe.weight();
        List<LabeledClip> clips = new ArrayList<>(n + copies);
        clips.addAll(data.clips());
        float[][][] feats = Arrays.copyOf(features, n + copies);
        int[] train = Arrays.copyOf(baseTrain, baseTrain.length + copies);
        int next = n;
        for (int w = 0; w < recipe.weight(); w++) {
            for (int i : enrolled) {
                clips.add(data.clips().get(i));
                feats[next] = features[i];
                train[baseTrain.length + next - n] = next;
                next++;
            }
        }
        Dataset extended = new Dataset(data.layout(), clips, data.failures());
        String speakers = String.join(", ", Arrays.stream(enrolled).mapToObj(i -> data.clips().get(i).speaker())
                .distinct().toList());
        Holdout.Split split = new Holdout.Split(train, evaluation, List.of(), String.format(Locale.ROOT,
                "fine-tuning on %d clips + %d enrolled of %s (x%d)", baseTrain.length, enrolled.length, speakers,
                recipe.weight()));
        return run.fineTune(extended, feats, split, version, listener, weights);
    }

    /**
     * Per digit, the speaker's clips in order of take number, then name (the lowest takes first): the first
     * {@code enrolledOf.applyAsInt(clips of that digit)} are enrolled, the rest kept to test. A rule of the
     * names alone, so every run picks the same clips.
     */
    public static Takes choose(List<LabeledClip> clips, int[] speakerIdx, IntUnaryOperator enrolledOf) {
        Map<Integer, List<Integer>> byDigit = new TreeMap<>();
        for (int i : speakerIdx) {
            byDigit.computeIfAbsent(clips.get(i).label(), d -> new ArrayList<>()).add(i);
        }
        Comparator<Integer> order = Comparator.<Integer>comparingInt(i -> clips.get(i).take() < 0 ? Integer.MAX_VALUE
                : clips.get(i).take()).thenComparing(i -> clips.get(i).name());
        List<Integer> enrolled = new ArrayList<>();
        List<Integer> test = new ArrayList<>();
        for (List<Integer> digit : byDigit.values()) {
            digit.sort(order);
            int k = Math.max(0, Math.min(digit.size(), enrolledOf.applyAsInt(digit.size())));
            enrolled.addAll(digit.subList(0, k));
            test.addAll(digit.subList(k, digit.size()));
        }
        return new Takes(enrolled.stream().mapToInt(Integer::intValue).sorted().toArray(),
                test.stream().mapToInt(Integer::intValue).sorted().toArray());
    }

    /** The first {@code k} takes of every digit enrolled ({@link #choose}). */
    public static Takes firstTakes(List<LabeledClip> clips, int[] speakerIdx, int k) {
        return choose(clips, speakerIdx, count -> k);
    }
}
