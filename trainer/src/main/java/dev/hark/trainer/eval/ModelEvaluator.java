package dev.hark.trainer.eval;

import dev.hark.model.inference.Classification;
import dev.hark.model.inference.DigitClassifier;
import dev.hark.model.inference.DigitModel;
import dev.hark.audio.dsp.LogMelExtractor;
import dev.hark.trainer.data.LabeledClip;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;

/**
 * Scores clips with a Hark ONNX model through {@link DigitClassifier}: the same DSP and inference code
 * the streams, {@code hark classify} and {@code hark eval} run.
 */
public final class ModelEvaluator {

    /** Clips per ONNX Runtime call. */
    static final int BATCH = 64;

    /** Predictions for a list of clips, index by index. */
    public record Scored(List<LabeledClip> clips, int[] predicted, float[] confidence, Evaluation evaluation) {}

    private ModelEvaluator() {
    }

    /**
     * @throws DigitClassifier.FeatureMismatchException when {@code extractor} makes other features than the model's
     */
    public static Scored score(DigitModel model, LogMelExtractor extractor, List<LabeledClip> clips, int threads,
                               IntConsumer progress) {
        return score(new DigitClassifier(model, extractor), clips, threads, progress);
    }

    /** Clips at the model's sample rate; the DSP of a batch runs on {@code threads} threads. */
    public static Scored score(DigitClassifier classifier, List<LabeledClip> clips, int threads, IntConsumer progress) {
        int n = clips.size();
        int[] predicted = new int[n];
        float[] confidence = new float[n];
        ForkJoinPool pool = new ForkJoinPool(Math.max(1, threads));
        try {
            for (int s = 0; s < n; s += BATCH) {
                int from = s;
                int to = Math.min(n, s + BATCH);
                float[][] batch = pool.submit(() -> java.util.stream.IntStream.range(from, to).parallel()
                        .mapToObj(i -> classifier.input(clips.get(i).samples()))
                        .toArray(float[][]::new)).get();
                List<Classification> answers = classifier.classify(classifier.spec().id(), batch);
                for (int i = from; i < to; i++) {
                    Classification c = answers.get(i - from);
                    predicted[i] = c.digit();
                    confidence[i] = c.confidence();
                }
                progress.accept(to);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdown();
        }
        int[] labels = clips.stream().mapToInt(LabeledClip::label).toArray();
        List<String> speakers = new ArrayList<>();
        clips.forEach(c -> speakers.add(c.speaker()));
        return new Scored(clips, predicted, confidence, Evaluation.of(labels, predicted, speakers));
    }
}
