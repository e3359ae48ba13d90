package dev.hark.trainer.online;

/**
 * When the online trainer trains: once {@code retrainEvery} clips arrived since the last training (or
 * since the last attempt that found too little data), and the store holds at least {@code minClips}.
 * A training that failed for a reason that is not the data's (DJL, the ONNX check, {@code models}
 * unreachable) is tried again after a pause that doubles from 1 to 30 minutes. Used by the loop's thread
 * only.
 */
final class RetrainPolicy {

    static final long MIN_BACKOFF_MS = 60_000;
    static final long MAX_BACKOFF_MS = 30 * 60_000;

    private final int retrainEvery;
    private final int minClips;
    private int clipsAtLastFailure;
    private long backoffMs;
    private long nextAttemptMs;

    RetrainPolicy(int retrainEvery, int minClips) {
        this.retrainEvery = retrainEvery;
        this.minClips = minClips;
    }

    /** Clips since the last training or attempt, or -1 when a training is not due. */
    int due(int storedClips, int clipsAtLastTraining, long nowMs) {
        int fresh = storedClips - Math.max(clipsAtLastTraining, clipsAtLastFailure);
        return fresh >= retrainEvery && storedClips >= minClips && nowMs >= nextAttemptMs ? fresh : -1;
    }

    void trained() {
        backoffMs = 0;
        nextAttemptMs = 0;
    }

    /** Too little to train on: wait until as many new clips have arrived again. */
    void notEnoughData(int storedClips) {
        clipsAtLastFailure = storedClips;
    }

    /** A training failed: returns the pause before the next attempt. */
    long failed(long nowMs) {
        backoffMs = backoffMs == 0 ? MIN_BACKOFF_MS : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        nextAttemptMs = nowMs + backoffMs;
        return backoffMs;
    }
}
