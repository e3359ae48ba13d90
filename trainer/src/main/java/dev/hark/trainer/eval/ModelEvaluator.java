package dev.hark.trainer.eval;

import dev.hark.model.inference.DigitModel;
import dev.hark.audio.dsp.LogMelExtractor;
import dev.hark.trainer.data.LabeledClip;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;

/**
 * Scores clips with a Hark ONNX model through the classifier's {@link DigitModel} and the feature
 * stream's {@link LogMelExtractor}: the same DSP and inference code the streams run.
 */
public final class ModelEvaluator {

    /** Clips per ONNX Runtime call. */
    static final int BATCH = 64;

    /** Predictions for a list of clips, index by index. */
    public record Scored(List<LabeledClip> clips, int[] predicted, float[] confidence, Evaluation evaluation) {}

    private ModelEvaluator() {
    }

    public static Scored score(DigitModel model, LogMelExtractor extractor, List<LabeledClip> clips, int threads,
                               IntConsumer progress) {
        if (!extractor.spec().id().equals(model.featureConfigId())) {
            throw new IllegalArgumentException("the model expects features " + model.featureConfigId()
                    + " but the extractor makes " + extractor.spec().id());
        }
        int n = clips.size();
        int per = model.inputSize();
        int[] predicted = new int[n];
        float[] confidence = new float[n];
        ForkJoinPool pool = new ForkJoinPool(Math.max(1, threads));
        try {
            for (int s = 0; s < n; s += BATCH) {
                int from = s;
                int to = Math.min(n, s + BATCH);
                float[][] batch = pool.submit(() -> java.util.stream.IntStream.range(from, to).parallel()
                        .mapToObj(i -> flatten(extractor.logMel(clips.get(i).samples()), per))
                        .toArray(float[][]::new)).get();
                float[][] probs = model.predict(batch);
                for (int i = from; i < to; i++) {
                    float[] p = probs[i - from];
                    int best = 0;
                    for (int k = 1; k < p.length; k++) {
                        if (p[k] > p[best]) {
                            best = k;
                        }
                    }
                    predicted[i] = best;
                    confidence[i] = p[best];
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

    private static float[] flatten(float[][] m, int per) {
        float[] out = new float[per];
        int cols = m[0].length;
        for (int r = 0; r < m.length; r++) {
            System.arraycopy(m[r], 0, out, r * cols, cols);
        }
        return out;
    }
}
