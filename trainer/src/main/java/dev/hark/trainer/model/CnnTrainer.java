package dev.hark.trainer.model;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.CosineTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.training.tracker.WarmUpTracker;
import dev.hark.audio.dsp.LogMelExtractor;
import dev.hark.trainer.data.LabeledClip;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;

/**
 * Trains {@link DigitCnn} with DJL on PyTorch: Adam, one warm-up epoch then a cosine learning-rate
 * decay to 1 %, fixed epochs (no early stopping, so nothing is tuned on the validation speakers),
 * fresh augmentation every epoch. Features come from the feature stream's {@link LogMelExtractor}, so
 * training and serving cannot disagree.
 *
 * <p>Deterministic for a seed: weight initialisation (torch's generator), batch order, and the
 * augmentation stream of every (epoch, clip) are all derived from it.
 */
public final class CnnTrainer {

    private final LogMelExtractor extractor;
    private final TrainingOptions options;

    public CnnTrainer(LogMelExtractor extractor, TrainingOptions options) {
        this.extractor = extractor;
        this.options = options;
    }

    /** Clean (unaugmented) model inputs of every clip, computed in parallel. */
    public float[][][] features(List<LabeledClip> clips) {
        return inPool(() -> clips.parallelStream().map(c -> extractor.logMel(c.samples())).toArray(float[][][]::new));
    }

    /**
     * Trains on {@code clips[trainIdx]}; reports accuracy on {@code clips[validationIdx]} after every
     * epoch when that is not empty. {@code clean} are the clips' unaugmented features ({@link #features}).
     */
    public TrainedModel train(List<LabeledClip> clips, float[][][] clean, int[] trainIdx, int[] validationIdx,
                              TrainingListener listener) {
        return train(clips, clean, trainIdx, validationIdx, listener, null);
    }

    /**
     * As {@link #train(List, float[][][], int[], int[], TrainingListener)}, starting from {@code warmStart}
     * ({@link TrainedModel#weights()} of a model with the same channels and dropout) instead of random
     * weights when it is not null: fine-tuning. With a warm start, 0 epochs is allowed and returns the
     * starting model unchanged.
     *
     * @throws IllegalArgumentException when the weights do not fit this network
     */
    public TrainedModel train(List<LabeledClip> clips, float[][][] clean, int[] trainIdx, int[] validationIdx,
                              TrainingListener listener, byte[] warmStart) {
        if (trainIdx.length == 0) {
            throw new IllegalArgumentException("no training clips");
        }
        if (options.epochs() < 1 && warmStart == null) {
            throw new IllegalArgumentException("epochs must be at least 1 when training from scratch, not " + options.epochs());
        }
        Djl.engine(options.threads()).setRandomSeed((int) options.seed());
        int nMels = clean[0].length;
        int nFrames = clean[0][0].length;
        int batch = options.batchSize();
        Model model = Model.newInstance("hark-digits", "PyTorch");
        boolean ok = false;
        try {
            Block net = DigitCnn.build(options.channels(), options.dropout());
            model.setBlock(net);
            if (warmStart != null) {
                // before Trainer.initialize, which keeps parameters that already hold arrays (and then
                // marks them trainable): the loaded weights are the starting point, not overwritten
                load(net, model.getNDManager(), warmStart);
            }
            Loss loss = Loss.softmaxCrossEntropyLoss();
            int stepsPerEpoch = (trainIdx.length + batch - 1) / batch;
            float lr = options.learningRate();
            Tracker cosine = CosineTracker.builder().setBaseValue(lr).optFinalValue(lr * 0.01f)
                    .setMaxUpdates(Math.max(1, stepsPerEpoch * options.epochs())).build();
            Tracker schedule = WarmUpTracker.builder().setMainTracker(cosine).optWarmUpBeginValue(lr * 0.1f)
                    .optWarmUpSteps(stepsPerEpoch).build();
            Optimizer adam = Optimizer.adam().optLearningRateTracker(schedule).build();
            List<EpochStats> history = new ArrayList<>();
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(adam))) {
                trainer.initialize(new Shape(batch, 1, nMels, nFrames));
                NDManager manager = trainer.getManager();
                Random order = new Random(options.seed());
                int[] perm = trainIdx.clone();
                Augmentation aug = options.augmentation();
                for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                    long start = System.nanoTime();
                    float[][][] feats = clean;
                    if (aug.any()) {
                        feats = augmented(clips, clean, trainIdx, aug, epoch);
                    }
                    shuffle(perm, order);
                    double lossSum = 0;
                    int seen = 0;
                    int correct = 0;
                    for (int s = 0, step = 1; s < perm.length; s += batch, step++) {
                        int[] ids = Arrays.copyOfRange(perm, s, Math.min(perm.length, s + batch));
                        try (NDManager sub = manager.newSubManager()) {
                            NDArray x = sub.create(FloatBuffer.wrap(flatten(ids, feats, nMels, nFrames)),
                                    new Shape(ids.length, 1, nMels, nFrames));
                            float[] labels = new float[ids.length];
                            for (int b = 0; b < ids.length; b++) {
                                labels[b] = clips.get(ids[b]).label();
                            }
                            NDArray y = sub.create(labels);
                            try (GradientCollector gc = trainer.newGradientCollector()) {
                                NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
                                NDArray l = loss.evaluate(new NDList(y), new NDList(logits));
                                gc.backward(l);
                                lossSum += l.getFloat() * ids.length;
                                seen += ids.length;
                                long[] pred = logits.argMax(1).toLongArray();
                                for (int b = 0; b < ids.length; b++) {
                                    if (pred[b] == clips.get(ids[b]).label()) {
                                        correct++;
                                    }
                                }
                            }
                            trainer.step();
                        }
                        listener.onStep(epoch, step, stepsPerEpoch, lossSum / seen);
                    }
                    if (!Double.isFinite(lossSum / seen)) { // else the ONNX parity check fails later with a NaN that explains nothing
                        throw new IllegalStateException("training diverged: the loss is " + lossSum / seen + " in epoch "
                                + epoch + " (lr " + options.learningRate() + "); try a lower learning rate or more channels");
                    }
                    double valAcc = Double.NaN;
                    if (validationIdx.length > 0) {
                        valAcc = accuracy(net, manager, clips, clean, validationIdx);
                    }
                    EpochStats stats = new EpochStats(epoch, options.epochs(), lossSum / seen, correct / (double) seen,
                            valAcc, schedule.getNewValue(stepsPerEpoch * epoch), (System.nanoTime() - start) / 1e9);
                    history.add(stats);
                    listener.onEpoch(stats);
                }
            }
            ok = true;
            return new TrainedModel(model, net, options, nMels, nFrames, history);
        } finally {
            if (!ok) {
                model.close();
            }
        }
    }

    private void load(Block net, NDManager manager, byte[] weights) {
        try {
            net.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(weights)));
        } catch (IOException | MalformedModelException | RuntimeException e) {
            throw new IllegalArgumentException("the starting weights do not fit a CNN with channels "
                    + Arrays.toString(options.channels()) + " and dropout " + options.dropout() + ": " + e.getMessage(), e);
        }
    }

    private float[][][] augmented(List<LabeledClip> clips, float[][][] clean, int[] trainIdx, Augmentation aug, int epoch) {
        float[][][] out = new float[clean.length][][];
        long seed = options.seed();
        inPool(() -> {
            Arrays.stream(trainIdx).parallel().forEach(i -> out[i] = aug.features(extractor, clips.get(i).samples(),
                    new SplittableRandom((seed << 40) ^ ((long) epoch << 20) ^ i)));
            return null;
        });
        return out;
    }

    private <T> T inPool(java.util.concurrent.Callable<T> work) {
        ForkJoinPool pool = new ForkJoinPool(options.threads());
        try {
            return pool.submit(work).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdown();
        }
    }

    private static double accuracy(Block net, NDManager manager, List<LabeledClip> clips, float[][][] feats, int[] idx) {
        int nMels = feats[0].length;
        int nFrames = feats[0][0].length;
        int correct = 0;
        for (int s = 0; s < idx.length; s += 256) {
            int[] ids = Arrays.copyOfRange(idx, s, Math.min(idx.length, s + 256));
            try (NDManager sub = manager.newSubManager()) {
                NDArray x = sub.create(FloatBuffer.wrap(flatten(ids, feats, nMels, nFrames)),
                        new Shape(ids.length, 1, nMels, nFrames));
                long[] pred = TrainedModel.forward(net, sub, x).argMax(1).toLongArray();
                for (int b = 0; b < ids.length; b++) {
                    if (pred[b] == clips.get(ids[b]).label()) {
                        correct++;
                    }
                }
            }
        }
        return correct / (double) idx.length;
    }

    static float[] flatten(int[] ids, float[][][] feats, int nMels, int nFrames) {
        int per = nMels * nFrames;
        float[] out = new float[ids.length * per];
        for (int b = 0; b < ids.length; b++) {
            float[][] f = feats[ids[b]];
            for (int m = 0; m < nMels; m++) {
                System.arraycopy(f[m], 0, out, b * per + m * nFrames, nFrames);
            }
        }
        return out;
    }

    private static void shuffle(int[] a, Random r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
