package dev.hark.trainer.model;

/** Progress of a training run, for progress bars and logs. */
public interface TrainingListener {

    TrainingListener NONE = new TrainingListener() {
    };

    /** A step of the run begins (features, training, export, evaluation), in words. */
    default void stage(String what) {
    }

    /** After each optimiser step: {@code step} of {@code steps} in epoch {@code epoch} (1-based). */
    default void onStep(int epoch, int step, int steps, double runningLoss) {
    }

    default void onEpoch(EpochStats stats) {
    }
}
