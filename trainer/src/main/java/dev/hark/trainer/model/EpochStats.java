package dev.hark.trainer.model;

/** One epoch of training: what the progress bar shows and the training curves plot. */
public record EpochStats(int epoch, int epochs, double trainLoss, double trainAccuracy, double validationAccuracy,
                         double learningRate, double seconds) {

    public boolean hasValidation() {
        return !Double.isNaN(validationAccuracy);
    }
}
