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
 * <p>Every feature record is first written to a state store (changelogged, so under exactly-once it
 * is committed together with the input offset: a record is never acknowledged before it is scored,
 * and never scored twice). The store is flushed through the champion model when it holds
 * {@code maxBatch} records, or when its oldest record has waited {@code maxWait} (checked on every
 * record and by a wall-clock punctuator). While there is no champion, the store simply keeps the
 * records (held, logged, counted); they are scored, in arrival order, once a champion is loaded.
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
    private KeyValueStore<Long, byte[]> store;
    private long nextSeq;
    private int pending;
    private long firstPendingMs;
    private long lastHoldLogMs = Long.MIN_VALUE;
    /** Scheduled only while records wait: an idle task has no punctuation, so no empty transactions. */
    private Cancellable punctuator;
    private Sensor predictions;
    private Sensor mismatches;
    private Sensor deadLetters;
    private Sensor batchSize;
    private Sensor accuracyGauges;
    /** The classifier of the champion last used (a new one when the champion changes). */
    private DigitClassifier classifier;

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
        try (KeyValueIterator<Long, byte[]> all = store.all()) {
            while (all.hasNext()) {
                long key = all.next().key;
                nextSeq = Math.max(nextSeq, key + 1);
                pending++;
            }
        }
        firstPendingMs = context.currentSystemTimeMs();
        if (pending > 0) {
            log.info("task {}: {} feature records waiting from before the restart", context.taskId(), pending);
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
                new Gauge(() -> pending));
        accuracyGauges = metrics.addSensor("hark-online-accuracy", Sensor.RecordingLevel.INFO);
        if (pending > 0) {
            schedulePunctuator();
        }
    }

    private void schedulePunctuator() {
        if (punctuator == null) {
            punctuator = context.schedule(settings.punctuateEvery(), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
        }
    }

    private void cancelPunctuatorWhenIdle() {
        if (pending == 0 && punctuator != null) {
            punctuator.cancel();
            punctuator = null;
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        LogMelFeatures f;
        try {
            f = RegistryRetry.call(() -> features.deserialize(ClassifierTopology.FEATURES_TOPIC, record.value()));
        } catch (HarkSerdeException e) {
            deadLetter(held(record), e.reason().code(), e.getMessage(), e, null);
            return;
        }
        var problem = InputChecks.features(f);
        if (problem.isPresent()) {
            deadLetter(held(record), problem.get().reason(), problem.get().message(), null, null);
            return;
        }
        long now = context.currentSystemTimeMs();
        store.put(nextSeq++, held(record).encode());
        if (pending++ == 0) {
            firstPendingMs = now;
            schedulePunctuator();
        }
        if (pending >= settings.maxBatch() || now - firstPendingMs >= settings.maxWait().toMillis()) {
            flush(now);
        }
    }

    private Held held(Record<String, byte[]> record) {
        var m = context.recordMetadata();
        return new Held(record.timestamp(), m.map(x -> x.topic()).orElse(null), m.map(x -> x.partition()).orElse(-1),
                m.map(x -> x.offset()).orElse(-1L), record.key(), record.value() == null ? new byte[0] : record.value());
    }

    private void punctuate(long now) {
        if (pending > 0 && now - firstPendingMs >= settings.maxWait().toMillis()) {
            flush(now);
        }
    }

    /** Scores everything in the store, in arrival order, with one champion; holds it all when there is none. */
    private void flush(long now) {
        Optional<DigitModel> champion = slot.acquire();
        if (champion.isEmpty()) {
            if (lastHoldLogMs == Long.MIN_VALUE || now - lastHoldLogMs >= settings.holdLogEvery().toMillis()) {
                lastHoldLogMs = now;
                log.warn("task {}: no champion model yet (none in the models topic, or none loaded): holding {} feature "
                        + "record(s) until one arrives", context.taskId(), pending);
            }
            return;
        }
        DigitModel model = champion.get();
        try {
            if (lastHoldLogMs != Long.MIN_VALUE) {
                log.info("task {}: champion version {} is here: scoring {} held feature record(s)", context.taskId(),
                        model.version(), pending);
                lastHoldLogMs = Long.MIN_VALUE;
            }
            while (true) {
                List<KeyValue<Long, byte[]>> batch = new ArrayList<>(settings.maxBatch());
                try (KeyValueIterator<Long, byte[]> all = store.all()) {
                    while (all.hasNext() && batch.size() < settings.maxBatch()) {
                        batch.add(all.next());
                    }
                }
                if (batch.isEmpty()) {
                    break;
                }
                score(batch, model, now);
                for (KeyValue<Long, byte[]> kv : batch) {
                    store.delete(kv.key);
                }
            }
            pending = 0;
            cancelPunctuatorWhenIdle();
        } finally {
            model.release();
        }
    }

    private void score(List<KeyValue<Long, byte[]>> batch, DigitModel model, long now) {
        if (classifier == null || classifier.model() != model) {
            classifier = new DigitClassifier(model);
        }
        List<Held> ok = new ArrayList<>(batch.size());
        List<LogMelFeatures> okFeatures = new ArrayList<>(batch.size());
        for (KeyValue<Long, byte[]> kv : batch) {
            Held h = Held.decode(kv.value);
            LogMelFeatures f;
            try {
                f = RegistryRetry.call(() -> features.deserialize(ClassifierTopology.FEATURES_TOPIC, h.value()));
            } catch (HarkSerdeException e) {
                deadLetter(h, e.reason().code(), e.getMessage(), e, null);
                continue;
            }
            try {
                classifier.checkFeatures(f.getFeatureConfigId());
            } catch (DigitClassifier.FeatureMismatchException e) {
                mismatches.record();
                deadLetter(h, "config-mismatch", "clip " + f.getClipId() + " has " + e.getMessage(), null, f);
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
    }

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
