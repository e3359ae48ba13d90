package dev.hark.trainer.model;

import java.util.Arrays;

/**
 * How to train: everything that, with the data and the seed, decides the model. Defaults are the
 * recipe measured in docs/training.md (standard split and leave-one-speaker-out).
 */
public record TrainingOptions(int epochs, int batchSize, float learningRate, long seed, int[] channels, float dropout,
                              Augmentation augmentation, int threads) {

    public static final int DEFAULT_EPOCHS = 30;
    public static final int DEFAULT_BATCH = 64;
    public static final float DEFAULT_LEARNING_RATE = 0.003f;
    public static final long DEFAULT_SEED = 42;
    public static final float DEFAULT_DROPOUT = 0.3f;

    public TrainingOptions {
        if (epochs < 0) { // 0 only makes sense from a warm start (fine-tuning): CnnTrainer says so otherwise
            throw new IllegalArgumentException("epochs must not be negative, not " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, not " + batchSize);
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be positive, not " + learningRate);
        }
        if (channels.length < 1 || Arrays.stream(channels).anyMatch(c -> c < 1)) {
            throw new IllegalArgumentException("channels must be positive counts, e.g. 16,32,64,96");
        }
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("dropout must be in [0, 1), not " + dropout);
        }
        channels = channels.clone();
        threads = Math.max(1, threads);
    }

    public static TrainingOptions defaults() {
        return new TrainingOptions(DEFAULT_EPOCHS, DEFAULT_BATCH, DEFAULT_LEARNING_RATE, DEFAULT_SEED,
                DigitCnn.DEFAULT_CHANNELS, DEFAULT_DROPOUT, Augmentation.DEFAULT, Runtime.getRuntime().availableProcessors());
    }

    @Override
    public int[] channels() {
        return channels.clone();
    }

    public TrainingOptions withEpochs(int e) {
        return new TrainingOptions(e, batchSize, learningRate, seed, channels, dropout, augmentation, threads);
    }

    public TrainingOptions withBatchSize(int b) {
        return new TrainingOptions(epochs, b, learningRate, seed, channels, dropout, augmentation, threads);
    }

    public TrainingOptions withSeed(long s) {
        return new TrainingOptions(epochs, batchSize, learningRate, s, channels, dropout, augmentation, threads);
    }

    public TrainingOptions withAugmentation(Augmentation a) {
        return new TrainingOptions(epochs, batchSize, learningRate, seed, channels, dropout, a, threads);
    }

    public TrainingOptions withLearningRate(float lr) {
        return new TrainingOptions(epochs, batchSize, lr, seed, channels, dropout, augmentation, threads);
    }

    public TrainingOptions withDropout(float d) {
        return new TrainingOptions(epochs, batchSize, learningRate, seed, channels, d, augmentation, threads);
    }

    public TrainingOptions withThreads(int t) {
        return new TrainingOptions(epochs, batchSize, learningRate, seed, channels, dropout, augmentation, t);
    }

    public TrainingOptions withChannels(int[] c) {
        return new TrainingOptions(epochs, batchSize, learningRate, seed, c, dropout, augmentation, threads);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainingOptions t && t.epochs == epochs && t.batchSize == batchSize
                && t.learningRate == learningRate && t.seed == seed && Arrays.equals(t.channels, channels)
                && t.dropout == dropout && t.augmentation.equals(augmentation) && t.threads == threads;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(channels) * 31 + java.util.Objects.hash(epochs, batchSize, learningRate, seed, dropout,
                augmentation, threads);
    }

    @Override
    public String toString() {
        return "epochs=" + epochs + " batch=" + batchSize + " lr=" + learningRate + " seed=" + seed + " channels="
                + Arrays.toString(channels) + " dropout=" + dropout + " augment=" + augmentation + " threads=" + threads;
    }
}
