package dev.hark.classifier.stream;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.hark.avro.LogMelFeatures;
import dev.hark.avro.Prediction;
import dev.hark.classifier.accuracy.OnlineAccuracy;
import dev.hark.model.inference.Classification;
import dev.hark.model.inference.DigitClassifier;
import dev.hark.model.inference.DigitModel;
import dev.hark.kafka.DeadLetters;
import dev.hark.schemas.input.InputChecks;
import dev.hark.kafka.RegistryRetry;
import dev.hark.schemas.serde.HarkSerdeException;
import dev.hark.telemetry.HarkMeters;

/**
 * {@code audio.features} → {@code audio.predictions}, in micro-batches.
 *
 * <p>Each feature record is decoded once and appended to the batch; it is also put, as the bytes it came
 * as, into a cached state store (changelogged, so under exactly-once it is committed together with the
 * input offset: a record is never acknowledged before it is scored, and never scored twice). The batch is
 * scored when it holds {@code maxBatch} records, and by a wall-clock punctuator, which Kafka Streams runs
 * after processing the records of a poll and before committing: with {@code maxWait} 0 (the default) a
 * batch is what one poll brought, scored without waiting for another. A scored record is deleted from the
 * store, usually still in its cache, so only its deletion reaches RocksDB and the changelog at the commit.
 * While there is no champion, the store simply keeps the records (held, logged, counted); they are scored,
 * in arrival order, once a champion is loaded (decoded again: the rare path, like records restored after
 * a restart).
 *
 * <p>A batch takes the champion once ({@link ModelSlot#acquire()}) and releases it at the end, so a
 * swap takes effect between two batches and the replaced model's session closes only after the batch
 * using it has finished. Records whose feature configuration id differs from the model's, or whose
 * matrix does not fit the model's input, become dead letters with the reason; so do records that do
 * not decode.
 */
final class ClassifyProcessor implements Processor<String, byte[], String, SpecificRecord> {
    static final String STAGE = "classifier-stream.features";
    static final String STORE = "classifier-pending";
    private static final Logger log = LoggerFactory.getLogger(ClassifyProcessor.class);

    /** Stream threads of one instance share its metrics registry: one gauge per version. */
    private static final Object GAUGE_LOCK = new Object();

    private final Deserializer<LogMelFeatures> features;
    private final ModelSlot slot;
    private final OnlineAccuracy accuracy;
    private final ClassifierTopology.Settings settings;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<byte[], byte[]> store;
    private long nextSeq;
    /** Records in the store that have no decoded entry in {@link #batch}: from before a restart, or held too long. */
    private int stored;
    /** The newest records of the store, decoded once, in arrival order (all of them after {@link #stored}). */
    private final List<Entry> batch = new ArrayList<>();
    private long firstPendingMs;
    private long lastRecordMs;
    private long lastHoldLogMs = Long.MIN_VALUE;
    /** Scheduled while records arrive: an idle task has no punctuation, so no empty transactions. */
    private Cancellable punctuator;
    private Sensor predictions;
    private Sensor mismatches;
    private Sensor deadLetters;
    private Sensor batchSize;
    private Sensor accuracyGauges;
    /** The classifier of the champion last used (a new one when the champion changes). */
    private DigitClassifier classifier;

    /** A record in the store: its store key, where it came from and its bytes, and its features once decoded. */
    private record Entry(byte[] storeKey, Held held, LogMelFeatures features) {
    }

    ClassifyProcessor(Deserializer<LogMelFeatures> features, ModelSlot slot, OnlineAccuracy accuracy,
                      ClassifierTopology.Settings settings) {
        this.features = features;
        this.slot = slot;
        this.accuracy = accuracy;
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        try (KeyValueIterator<byte[], byte[]> all = store.all()) {
            while (all.hasNext()) {
                nextSeq = Math.max(nextSeq, Held.seq(all.next().key) + 1);
                stored++;
            }
        }
        firstPendingMs = context.currentSystemTimeMs();
        lastRecordMs = firstPendingMs;
        if (stored > 0) {
            log.info("task {}: {} feature records waiting from before the restart", context.taskId(), stored);
        }
        String task = context.taskId().toString();
        var metrics = context.metrics();
        String scope = ModelReleaseProcessor.METRICS_SCOPE;
        predictions = metrics.addRateTotalSensor(scope, task, "hark-predictions", Sensor.RecordingLevel.INFO);
        mismatches = metrics.addRateTotalSensor(scope, task, "hark-config-mismatches", Sensor.RecordingLevel.INFO);
        deadLetters = metrics.addRateTotalSensor(scope, task, "hark-dead-letters", Sensor.RecordingLevel.INFO);
        batchSize = metrics.addSensor("hark-batch-size-" + task, Sensor.RecordingLevel.INFO);
        String group = "stream-" + scope + "-metrics";
        batchSize.add(new MetricName("hark-batch-size-avg", group, "records per inference batch", Map.of("task-id", task)),
                new org.apache.kafka.common.metrics.stats.Avg());
        batchSize.add(new MetricName("hark-batch-size-max", group, "largest inference batch", Map.of("task-id", task)),
                new org.apache.kafka.common.metrics.stats.Max());
        Sensor held = metrics.addSensor("hark-held-records-" + task, Sensor.RecordingLevel.INFO);
        held.add(new MetricName("hark-held-records", group, "feature records waiting to be scored", Map.of("task-id", task)),
                new Gauge(this::pending));
        accuracyGauges = metrics.addSensor("hark-online-accuracy", Sensor.RecordingLevel.INFO);
        if (stored > 0) {
            schedulePunctuator();
        }
    }

    private int pending() {
        return stored + batch.size();
    }

    private void schedulePunctuator() {
        if (punctuator == null) {
            punctuator = context.schedule(settings.punctuateEvery(), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
        }
    }

    /**
     * Decodes the record (once), keeps it in the store (its bytes as they came; the store's cache holds them
     * until a commit, when they are usually scored and deleted already) and in the batch; scores the batch when
     * it is full. The punctuator scores what is left once the records polled with it have been processed.
     */
    @Override
    public void process(Record<String, byte[]> record) {
        commits.owed(context);
        Held h = held(record);
        LogMelFeatures f;
        try {
            f = RegistryRetry.call(() -> features.deserialize(ClassifierTopology.FEATURES_TOPIC, record.value()));
        } catch (HarkSerdeException e) {
            deadLetter(h, e.reason().code(), e.getMessage(), e, null);
            return;
        }
        var problem = InputChecks.features(f);
        if (problem.isPresent()) {
            deadLetter(h, problem.get().reason(), problem.get().message(), null, null);
            return;
        }
        long now = context.currentSystemTimeMs();
        byte[] key = h.storeKey(nextSeq++);
        store.put(key, h.value());
        if (pending() == 0) {
            firstPendingMs = now;
        }
        lastRecordMs = now;
        schedulePunctuator();
        batch.add(new Entry(key, h, f));
        long maxWait = settings.maxWait().toMillis();
        if (pending() >= settings.maxBatch() || (maxWait > 0 && now - firstPendingMs >= maxWait)) {
            flush(now);
        }
    }

    private Held held(Record<String, byte[]> record) {
        var m = context.recordMetadata();
        return new Held(record.timestamp(), m.map(x -> x.topic()).orElse(null), m.map(x -> x.partition()).orElse(-1),
                m.map(x -> x.offset()).orElse(-1L), record.key(), record.value() == null ? new byte[0] : record.value());
    }

    /** Scores what waits once it has waited {@code maxWait}; stops after a second without records. */
    private void punctuate(long now) {
        commits.owed(context);
        if (pending() > 0 && now - firstPendingMs >= settings.maxWait().toMillis()) {
            flush(now);
        }
        if (pending() == 0 && now - lastRecordMs >= IDLE_MS && punctuator != null) {
            punctuator.cancel();
            punctuator = null;
        }
    }

    /** How long the punctuator keeps running after the last record (so a stream of records finds it due). */
    static final long IDLE_MS = 1_000;

    /** Scores everything in the store, in arrival order, with one champion; holds it all when there is none. */
    private void flush(long now) {
        Optional<DigitModel> champion = slot.acquire();
        if (champion.isEmpty()) {
            if (lastHoldLogMs == Long.MIN_VALUE || now - lastHoldLogMs >= settings.holdLogEvery().toMillis()) {
                lastHoldLogMs = now;
                log.warn("task {}: no champion model yet (none in the models topic, or none loaded): holding {} feature "
                        + "record(s) until one arrives", context.taskId(), pending());
            }
            if (batch.size() >= settings.maxBatch()) { // held records stay in the store only, not decoded in memory
                stored += batch.size();
                batch.clear();
            }
            return;
        }
        DigitModel model = champion.get();
        try {
            if (lastHoldLogMs != Long.MIN_VALUE) {
                log.info("task {}: champion version {} is here: scoring {} held feature record(s)", context.taskId(),
                        model.version(), pending());
                lastHoldLogMs = Long.MIN_VALUE;
            }
            if (stored > 0) {
                // the rare path (records from before a restart, or held): everything from the store, decoded again
                stored += batch.size();
                batch.clear();
                while (true) {
                    List<Entry> fromStore = new ArrayList<>(settings.maxBatch());
                    try (KeyValueIterator<byte[], byte[]> all = store.all()) {
                        while (all.hasNext() && fromStore.size() < settings.maxBatch()) {
                            var kv = all.next();
                            fromStore.add(new Entry(kv.key, Held.fromStore(kv.key, kv.value), null));
                        }
                    }
                    if (fromStore.isEmpty()) {
                        break;
                    }
                    scoreAndDelete(fromStore, model, now);
                }
                stored = 0;
            }
            for (int from = 0; from < batch.size(); from += settings.maxBatch()) {
                scoreAndDelete(batch.subList(from, Math.min(batch.size(), from + settings.maxBatch())), model, now);
            }
            batch.clear();
        } finally {
            model.release();
        }
    }

    private void scoreAndDelete(List<Entry> entries, DigitModel model, long now) {
        score(entries, model, now);
        for (Entry e : entries) {
            store.delete(e.storeKey());
        }
    }

    private void score(List<Entry> batch, DigitModel model, long now) {
        if (classifier == null || classifier.model() != model) {
            classifier = new DigitClassifier(model);
        }
        List<Held> ok = new ArrayList<>(batch.size());
        List<LogMelFeatures> okFeatures = new ArrayList<>(batch.size());
        for (Entry e : batch) {
            Held h = e.held();
            LogMelFeatures f = e.features();
            if (f == null) {
                try {
                    f = RegistryRetry.call(() -> features.deserialize(ClassifierTopology.FEATURES_TOPIC, h.value()));
                } catch (HarkSerdeException ex) {
                    deadLetter(h, ex.reason().code(), ex.getMessage(), ex, null);
                    continue;
                }
            }
            try {
                classifier.checkFeatures(f.getFeatureConfigId());
            } catch (DigitClassifier.FeatureMismatchException ex) {
                mismatches.record();
                deadLetter(h, "config-mismatch", "clip " + f.getClipId() + " has " + ex.getMessage(), null, f);
                continue;
            }
            int values = f.getNMels() * f.getNFrames();
            if (f.getNMels() != model.nMels() || f.getNFrames() != model.nFrames() || f.getLogMel().remaining() != values * 4) {
                deadLetter(h, "shape-mismatch", "clip " + f.getClipId() + " has a " + f.getNMels() + "x" + f.getNFrames()
                        + " matrix of " + f.getLogMel().remaining() + " bytes; model version " + model.version() + " takes "
                        + model.nMels() + "x" + model.nFrames(), null, f);
                continue;
            }
            ok.add(h);
            okFeatures.add(f);
        }
        if (ok.isEmpty()) {
            return;
        }
        List<Classification> classified;
        long started = System.nanoTime();
        try {
            classified = classifier.classify(model.featureConfigId(), ok.size(), input -> {
                for (LogMelFeatures f : okFeatures) {
                    FloatBuffer values = f.getLogMel().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                    input.put(values);
                }
            });
        } catch (RuntimeException e) {
            log.error("task {}: inference failed on a batch of {} with model version {}", context.taskId(), ok.size(),
                    model.version(), e);
            for (int i = 0; i < ok.size(); i++) {
                deadLetter(ok.get(i), "inference-error", "model version " + model.version() + " failed: " + e, e,
                        okFeatures.get(i));
            }
            return;
        }
        batchSize.record(ok.size());
        HarkMeters.PROCESSING.observe((System.nanoTime() - started) / 1e9, "classifier");
        String version = Integer.toString(model.version());
        Instant predictedAt = Instant.ofEpochMilli(now);
        for (int i = 0; i < ok.size(); i++) {
            LogMelFeatures f = okFeatures.get(i);
            Classification c = classified.get(i);
            int digit = c.digit();
            Prediction prediction = Prediction.newBuilder()
                    .setClipId(f.getClipId())
                    .setSource(f.getSource())
                    .setDeviceId(f.getDeviceId())
                    .setSpeaker(f.getSpeaker())
                    .setLabel(f.getLabel())
                    .setStartSample(f.getStartSample())
                    .setEndSample(f.getEndSample())
                    .setSessionId(f.getSessionId())
                    .setDigit(digit)
                    .setConfidence(c.confidence())
                    .setProbabilities(c.probabilityList())
                    .setModelVersion(model.version())
                    .setFeatureConfigId(f.getFeatureConfigId())
                    .setCapturedAtMs(f.getCapturedAtMs())
                    .setClipCreatedAtMs(f.getClipCreatedAtMs())
                    .setFeaturesCreatedAtMs(f.getFeaturesCreatedAtMs())
                    .setPredictedAtMs(predictedAt)
                    .build();
            if (accuracy.record(prediction)) {
                registerAccuracyGauge(model.version());
            }
            predictions.record();
            HarkMeters.CLIPS.inc("classifier");
            HarkMeters.PREDICTIONS.inc(Integer.toString(digit), version);
            HarkMeters.STAGE_LATENCY.observe(Math.max(0, now - f.getFeaturesCreatedAtMs().toEpochMilli()) / 1000.0, "classifier");
            HarkMeters.STAGE_LATENCY.observe(Math.max(0, now - f.getCapturedAtMs().toEpochMilli()) / 1000.0, "end_to_end");
            context.forward(new Record<String, SpecificRecord>(f.getClipId(), prediction, ok.get(i).timestamp()),
                    ClassifierTopology.PREDICTIONS_SINK);
        }
        if (!okFeatures.isEmpty()) {
            commits.forwarded(context, now - okFeatures.get(okFeatures.size() - 1).getFeaturesCreatedAtMs().toEpochMilli());
        }
    }

    private final dev.hark.streams.CommitPacer commits = new dev.hark.streams.CommitPacer();

    private void registerAccuracyGauge(int version) {
        // the Prometheus view; the last registered instance wins (one classifier per process outside tests)
        HarkMeters.ONLINE_ACCURACY.set(() -> accuracy.accuracy(version), Integer.toString(version));
        MetricName name = new MetricName("hark-online-accuracy", "stream-" + ModelReleaseProcessor.METRICS_SCOPE + "-metrics",
                "accuracy of the last " + accuracy.window() + " labeled predictions of this model version",
                Map.of("model-version", Integer.toString(version)));
        if (!context.metrics().metrics().containsKey(name)) {
            synchronized (GAUGE_LOCK) {
                if (!context.metrics().metrics().containsKey(name)) {
                    accuracyGauges.add(name, new Gauge(() -> accuracy.accuracy(version)));
                }
            }
        }
    }

    private void deadLetter(Held h, String reason, String message, Throwable error, LogMelFeatures f) {
        deadLetters.record();
        var origin = DeadLetters.Origin.of(h.topic() == null ? ClassifierTopology.FEATURES_TOPIC : h.topic(),
                h.topic() == null ? null : h.partition(), h.topic() == null ? null : h.offset(), h.timestamp(), h.key(), h.value());
        context.forward(new Record<String, SpecificRecord>(DeadLetters.key(h.key()), DeadLetters.of(STAGE, reason, message,
                error, origin, f == null ? InputChecks.abbreviate(h.key()) : f.getClipId(),
                f == null ? null : f.getDeviceId(), context.currentSystemTimeMs()), h.timestamp()),
                ClassifierTopology.DLQ_SINK);
    }
}
