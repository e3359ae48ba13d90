package dev.hark.telemetry;

/**
 * Hark's own metrics, all named {@code hark_*}, in the process-wide registry. One list, so docs/operations.md,
 * the Grafana dashboard and the code agree on the names. Gauges that read a service's state
 * ({@code hark_model_version}, {@code hark_online_accuracy}, {@code hark_trainer_*}) are registered
 * by that service with {@link Metrics.Gauge#set}.
 */
public final class HarkMeters {
    private HarkMeters() {
    }

    private static final Metrics M = Metrics.global();

    /** Clips through a stage: {@code segmenter} (cut from chunks), {@code features}, {@code classifier}, {@code trainer} (stored). */
    public static final Metrics.Counter CLIPS = M.counter("hark_clips_total",
            "clips that went through a stage (rate() gives clips/s)", "stage");

    /**
     * Time from a clip's previous timestamp to the end of the stage, per clip, in seconds:
     * {@code segmenter} capture of the first sample → clip cut; {@code features} clip cut → features
     * made; {@code classifier} features made → prediction; {@code end_to_end} capture → prediction.
     */
    public static final Metrics.Histogram STAGE_LATENCY = M.histogram("hark_stage_latency_seconds",
            "per clip: time from the previous stage's timestamp to the end of this stage", Metrics.latencyBuckets(), "stage");

    /** Compute time only: {@code features} one clip's decode + resample + log-mel; {@code classifier} one inference batch. */
    public static final Metrics.Histogram PROCESSING = M.histogram("hark_processing_seconds",
            "compute time of one unit of work (features: one clip; classifier: one inference batch)",
            new double[] {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}, "stage");

    public static final Metrics.Counter PREDICTIONS = M.counter("hark_predictions_total",
            "predictions by predicted digit and model version", "digit", "model_version");

    public static final Metrics.Counter DEAD_LETTERS = M.counter("hark_dead_letters_total",
            "records sent to audio.dlq, by stage and reason", "stage", "reason");

    public static final Metrics.Counter MODEL_SWAPS = M.counter("hark_model_swaps_total",
            "champion models loaded and swapped in by the classifier");

    public static final Metrics.Counter MODEL_LOAD_FAILURES = M.counter("hark_model_load_failures_total",
            "champion releases the classifier could not load (the old model kept serving)");

    public static final Metrics.Counter RECORDS_PUBLISHED = M.counter("hark_records_published_total",
            "records a Hark producer published, by topic", "topic");

    /** The champion version the classifier serves, -1 while none; label {@code service}. */
    public static final Metrics.Gauge MODEL_VERSION = M.gauge("hark_model_version",
            "model version in use (-1: none yet)", "service");

    /** Online accuracy of the last labeled predictions of each model version (0..1). */
    public static final Metrics.Gauge ONLINE_ACCURACY = M.gauge("hark_online_accuracy",
            "accuracy of the last labeled predictions of a model version, 0..1", "model_version");

    /** Online trainer progress (no labels; registered by the trainer with {@link Metrics.Gauge#set}). */
    public static final Metrics.Gauge TRAINER_LABELED_CLIPS = M.gauge("hark_trainer_labeled_clips",
            "labeled clips in the trainer's store");
    public static final Metrics.Gauge TRAINER_TRAININGS = M.gauge("hark_trainer_trainings_total",
            "models this trainer process trained and published");
    public static final Metrics.Gauge TRAINER_TRAINING = M.gauge("hark_trainer_training",
            "1 while a model is being trained, else 0");
    public static final Metrics.Gauge TRAINER_EPOCH = M.gauge("hark_trainer_epoch",
            "epochs done of the training in progress (or the last one)");
    public static final Metrics.Gauge TRAINER_EPOCHS = M.gauge("hark_trainer_epochs",
            "epochs a training runs");
    public static final Metrics.Gauge TRAINER_LAST_LOSS = M.gauge("hark_trainer_last_loss",
            "training loss of the last finished epoch");
    public static final Metrics.Gauge TRAINER_LAST_VERSION = M.gauge("hark_trainer_last_model_version",
            "version of the last model this trainer published (-1: none yet)");
    public static final Metrics.Gauge TRAINER_LAST_ACCURACY = M.gauge("hark_trainer_last_accuracy",
            "held-out accuracy of the last model this trainer published, 0..1");

    /** 1 while a service is healthy (as its /health says), else 0. */
    public static final Metrics.Gauge UP = M.gauge("hark_service_up", "1 while the service is healthy", "service");
}
