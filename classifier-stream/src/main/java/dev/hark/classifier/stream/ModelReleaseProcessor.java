package dev.hark.classifier.stream;

import java.nio.ByteBuffer;
import java.util.Map;

import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.hark.avro.ModelRelease;
import dev.hark.model.Champion;
import dev.hark.model.inference.DigitModel;
import dev.hark.telemetry.HarkMeters;

/**
 * Reads {@code models} (a global store: every instance reads every release, also at start-up, when
 * Kafka Streams replays the topic through this processor) and keeps the {@link ModelSlot} holding the
 * champion.
 *
 * <p>The champion is {@link Champion}'s rule, applied record by record: a release that
 * {@link Champion#makesChampion makes a champion} is loaded and swapped in; any other is recorded but
 * changes nothing.
 *
 * <p>A champion is loaded completely (ONNX Runtime session created, metadata and SHA-256 checked)
 * before it replaces the serving one. One that fails to load leaves the old one serving, with an
 * error in the log and the {@code hark-model-load-failures} metric.
 */
final class ModelReleaseProcessor implements Processor<String, byte[], Void, Void> {
    static final String STORE = "classifier-model-releases";
    static final String METRICS_SCOPE = "hark-classifier";
    private static final Logger log = LoggerFactory.getLogger(ModelReleaseProcessor.class);

    private final Deserializer<ModelRelease> releases;
    private final ModelSlot slot;
    private final DigitModel.Options options;
    private KeyValueStore<String, String> store;
    private Sensor loadFailures;
    private Sensor swaps;
    private Sensor badRecords;

    ModelReleaseProcessor(Deserializer<ModelRelease> releases, ModelSlot slot, DigitModel.Options options) {
        this.releases = releases;
        this.slot = slot;
        this.options = options;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(STORE);
        var metrics = context.metrics();
        loadFailures = metrics.addRateTotalSensor(METRICS_SCOPE, "models", "hark-model-load-failures",
                Sensor.RecordingLevel.INFO);
        swaps = metrics.addRateTotalSensor(METRICS_SCOPE, "models", "hark-model-swaps", Sensor.RecordingLevel.INFO);
        badRecords = metrics.addRateTotalSensor(METRICS_SCOPE, "models", "hark-model-bad-records",
                Sensor.RecordingLevel.INFO);
        Sensor champion = metrics.addSensor("hark-champion-version", Sensor.RecordingLevel.INFO);
        champion.add(new MetricName("hark-champion-version", "stream-" + METRICS_SCOPE + "-metrics",
                "the model version serving predictions, -1 while there is none", Map.of()),
                new Gauge(() -> slot.version().orElse(-1)));
    }

    /**
     * Total: the global thread that runs this cannot be replaced, so nothing a record of {@code models}
     * does may escape it. A release that cannot be used is logged and counted, and the serving model stays.
     */
    @Override
    public void process(Record<String, byte[]> record) {
        try {
            use(record);
        } catch (RuntimeException e) {
            badRecords.record();
            log.error("models: a record (key {}) could not be used and is ignored: {}",
                    dev.hark.schemas.input.InputChecks.abbreviate(record.key()), e.toString());
        }
    }

    private void use(Record<String, byte[]> record) {
        ModelRelease release;
        try {
            release = dev.hark.kafka.RegistryRetry.call(
                    () -> releases.deserialize(dev.hark.schemas.Topics.MODELS.name(), record.value()));
        } catch (RuntimeException e) {
            badRecords.record();
            log.error("models: a record (key {}) is not a ModelRelease and is ignored: {}", record.key(), e.getMessage());
            return;
        }
        if (release == null) {
            badRecords.record();
            log.error("models: a record without a value (key {}) is ignored", record.key());
            return;
        }
        int version = release.getVersion();
        store.put(Integer.toString(version), "champion=" + release.getChampion() + " config=" + release.getFeatureConfigId()
                + " sha256=" + release.getOnnxSha256());
        if (!Champion.makesChampion(release)) {
            log.info("models: version {} published, not champion (serving {})", version,
                    slot.version().map(String::valueOf).orElse("none"));
            return;
        }
        if (slot.version().orElse(-1) == version) {
            log.info("models: version {} is champion again; already serving it", version);
            return;
        }
        DigitModel model;
        try {
            model = load(release, options);
        } catch (RuntimeException e) {
            loadFailures.record();
            HarkMeters.MODEL_LOAD_FAILURES.inc();
            log.error("models: champion version {} cannot be loaded; still serving {}: {}", version,
                    slot.version().map(v -> "version " + v).orElse("no model (feature records are held)"), e.getMessage());
            return;
        }
        var old = slot.swap(model);
        swaps.record();
        HarkMeters.MODEL_SWAPS.inc();
        log.info("models: now serving version {} ({}){}", version, release.getFeatureConfigId(),
                old.map(o -> ", replacing version " + o.version()).orElse(""));
    }

    static DigitModel load(ModelRelease release, DigitModel.Options options) {
        ByteBuffer buffer = release.getOnnx().duplicate();
        byte[] onnx = new byte[buffer.remaining()];
        buffer.get(onnx);
        String sha = release.getOnnxSha256();
        if (sha != null && !sha.isBlank()) {
            String actual = dev.hark.audio.Digests.sha256(onnx);
            if (!actual.equalsIgnoreCase(sha.trim())) {
                throw new IllegalArgumentException("ONNX bytes have SHA-256 " + actual + ", the release says " + sha);
            }
        }
        DigitModel model = DigitModel.load(onnx, options);
        try {
            if (!model.featureConfigId().equals(release.getFeatureConfigId())) {
                throw new IllegalArgumentException("the ONNX metadata says feature configuration " + model.featureConfigId()
                        + ", the release says " + release.getFeatureConfigId());
            }
            if (model.version() != release.getVersion()) {
                throw new IllegalArgumentException("the ONNX metadata says version " + model.version()
                        + ", the release is version " + release.getVersion());
            }
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    @Override
    public void close() {
        slot.close();
    }
}
