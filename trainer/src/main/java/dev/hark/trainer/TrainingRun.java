package dev.hark.trainer;

import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dsp.LogMelExtractor;
import dev.hark.model.inference.DigitModel;
import dev.hark.trainer.data.Dataset;
import dev.hark.trainer.data.LabeledClip;
import dev.hark.trainer.eval.Evaluation;
import dev.hark.trainer.eval.ModelEvaluator;
import dev.hark.trainer.export.OnnxExport;
import dev.hark.trainer.model.CnnTrainer;
import dev.hark.trainer.model.EpochStats;
import dev.hark.trainer.model.TrainedModel;
import dev.hark.trainer.model.TrainingListener;
import dev.hark.trainer.model.TrainingOptions;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One training run, the same for {@code hark train} and the online trainer: split the clips by the one
 * {@link Holdout} rule, train on the rest (fixed epochs; the held-out clips are only reported per epoch,
 * never used to stop or tune), export Hark's ONNX file, check that ONNX Runtime computes the logits DJL
 * computes, and score the exported file on the held-out clips through the classifier's own inference
 * and DSP ({@link ModelEvaluator}). What the run produced is returned; writing files or publishing a
 * release is the caller's.
 */
public final class TrainingRun {

    /** The parity check runs on at most this many held-out clips (one ONNX Runtime batch, bounded memory). */
    static final int PARITY_CLIPS = 256;

    /**
     * What a run produced.
     *
     * @param onnx            the model, Hark's ONNX file
     * @param split           what was trained on and what was held out
     * @param scored          the exported model's predictions for the held-out clips, in split order, and its scores
     * @param parity          the largest |logit difference| between ONNX Runtime and DJL
     * @param history         per-epoch statistics
     * @param parameters      trainable parameter count
     * @param trainSeconds    from the start of the run to the end of training
     * @param weights         every DJL parameter ({@link TrainedModel#weights()}): what fine-tuning starts from
     */
    public record Result(byte[] onnx, Holdout.Split split, ModelEvaluator.Scored scored, double parity,
                         List<EpochStats> history, long parameters, double trainSeconds, byte[] weights) {

        public Evaluation evaluation() {
            return scored.evaluation();
        }

        /** The held-out clips (to judge another model on the same clips). */
        public List<LabeledClip> evaluationClips() {
            return scored.clips();
        }

        public double finalTrainLoss() {
            return history.isEmpty() ? Double.NaN : history.get(history.size() - 1).trainLoss();
        }
    }

    private final FeatureSpec spec;
    private final TrainingOptions options;
    private final LogMelExtractor extractor;
    private final CnnTrainer trainer;

    public TrainingRun(FeatureSpec spec, TrainingOptions options) {
        this.spec = spec;
        this.options = options;
        this.extractor = new LogMelExtractor(spec);
        this.trainer = new CnnTrainer(extractor, options);
    }

    public TrainingOptions options() {
        return options;
    }

    public FeatureSpec spec() {
        return spec;
    }

    public LogMelExtractor extractor() {
        return extractor;
    }

    /** The clips' clean (unaugmented) model inputs, computed in parallel. */
    public float[][][] features(List<LabeledClip> clips) {
        return trainer.features(clips);
    }

    /**
     * Splits {@code data} by {@code holdout}, computes the features and trains model {@code version}
     * ({@link #run(Dataset, float[][][], Holdout.Split, int, TrainingListener)}).
     *
     * @throws NotEnoughDataException when the split leaves nothing to train or to evaluate on
     */
    public Result run(Dataset data, Holdout holdout, int version, TrainingListener listener) {
        long start = System.nanoTime();
        Holdout.Split split = holdout.split(data);
        listener.stage("computing features of " + data.clips().size() + " clips (" + spec.id() + ")");
        return run(data, features(data.clips()), split, version, listener, start, null);
    }

    /**
     * Trains model {@code version} on {@code data} split by {@code split} (from {@link Holdout#split});
     * {@code features} are the clips' clean inputs ({@link #features}), index by index.
     *
     * @throws IllegalStateException when the ONNX export disagrees with DJL
     */
    public Result run(Dataset data, float[][][] features, Holdout.Split split, int version, TrainingListener listener) {
        return run(data, features, split, version, listener, System.nanoTime(), null);
    }

    /**
     * As {@link #run(Dataset, float[][][], Holdout.Split, int, TrainingListener)}, starting from
     * {@code warmStart} ({@link Result#weights()} of an earlier run with the same channels): fine-tuning
     * (see {@code dev.hark.trainer.enroll.Enrollment}).
     */
    public Result fineTune(Dataset data, float[][][] features, Holdout.Split split, int version, TrainingListener listener,
                           byte[] warmStart) {
        return run(data, features, split, version, listener, System.nanoTime(), java.util.Objects.requireNonNull(warmStart));
    }

    private Result run(Dataset data, float[][][] features, Holdout.Split split, int version, TrainingListener listener,
                       long start, byte[] warmStart) {
        List<LabeledClip> clips = data.clips();
        int[] trainIdx = split.train();
        int[] evalIdx = split.evaluation();
        listener.stage(String.format(Locale.ROOT, "training on %d clips, evaluating on %d: %s", trainIdx.length,
                evalIdx.length, split.description()));
        List<LabeledClip> evalClips = Arrays.stream(evalIdx).mapToObj(clips::get).toList();
        try (TrainedModel model = trainer.train(clips, features, trainIdx, evalIdx, listener, warmStart)) {
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            listener.stage("exporting ONNX (BatchNorm folded) and checking it against DJL");
            byte[] onnx = OnnxExport.export(model, spec, version);
            float[][][] parityInputs = Arrays.stream(evalIdx).limit(PARITY_CLIPS).mapToObj(i -> features[i])
                    .toArray(float[][][]::new);
            double parity = OnnxExport.maxLogitDifference(model, onnx, parityInputs);
            if (!(parity < OnnxExport.PARITY_TOLERANCE)) {
                throw new IllegalStateException("the ONNX export of v" + version + " disagrees with DJL: max |logit diff| "
                        + parity);
            }
            listener.stage("evaluating the ONNX model with ONNX Runtime on " + evalIdx.length + " clips");
            ModelEvaluator.Scored scored = score(onnx, evalClips);
            return new Result(onnx, split, scored, parity, model.history(), model.parameters(), trainSeconds,
                    model.weights());
        }
    }

    /** Scores a Hark ONNX model on {@code clips} with this run's features and threads. */
    public ModelEvaluator.Scored score(byte[] onnx, List<LabeledClip> clips) {
        try (DigitModel m = DigitModel.load(onnx, new DigitModel.Options(options.threads()))) {
            return ModelEvaluator.score(m, extractor, clips, options.threads(), n -> { });
        }
    }
}
