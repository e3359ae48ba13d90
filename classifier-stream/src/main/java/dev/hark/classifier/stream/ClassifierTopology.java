package dev.hark.classifier.stream;

import java.time.Duration;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

import dev.hark.avro.LogMelFeatures;
import dev.hark.avro.ModelRelease;
import dev.hark.classifier.accuracy.OnlineAccuracy;
import dev.hark.model.inference.DigitModel;
import dev.hark.schemas.Topics;
import dev.hark.schemas.serde.HarkSerdes;
import dev.hark.streams.GuardedProcessor;

/**
 * The classifier's topology, with nothing else in it (no Kafka connection, no registry client: it takes
 * its {@link HarkSerdes}), so tests drive it with {@code TopologyTestDriver}:
 *
 * <pre>
 * models ─► global store (every instance reads every release) ─► ModelSlot: the champion, loaded beside the old one
 * audio.features ─► pending store ─► micro-batch ─► ONNX Runtime (champion) ─► audio.predictions
 *                   (held while there is no champion;            └──────────► audio.dlq
 *                    wall-clock punctuator flushes)
 * </pre>
 */
public final class ClassifierTopology {
    static final String FEATURES_TOPIC = Topics.AUDIO_FEATURES.name();
    static final String MODELS_SOURCE = "models";
    static final String MODELS_PROCESSOR = "model-releases";
    static final String FEATURES_SOURCE = "features";
    static final String CLASSIFY = "classify";
    static final String PREDICTIONS_SINK = "predictions-out";
    static final String DLQ_SINK = "dlq-out";

    /**
     * What the topology needs to know.
     *
     * @param maxBatch       records per inference batch at most
     * @param maxWait        how long a record may wait for its batch to fill (wall clock)
     * @param punctuateEvery how often the wall-clock punctuator looks for a batch that has waited long enough
     * @param model          ONNX Runtime session settings
     * @param accuracyWindow labeled predictions per version in the online-accuracy window
     * @param holdLogEvery   how often to repeat the warning while records are held for want of a champion
     */
    public record Settings(int maxBatch, Duration maxWait, Duration punctuateEvery, DigitModel.Options model,
                           int accuracyWindow, Duration holdLogEvery) {
        public Settings {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("maxBatch must be at least 1, was " + maxBatch);
            }
            if (maxWait.isNegative() || punctuateEvery.isNegative() || punctuateEvery.isZero()) {
                throw new IllegalArgumentException("maxWait must be >= 0 and punctuateEvery > 0");
            }
        }

        /**
         * 32 records, or what one poll brought (no wait: the punctuator, due every 1 ms while records arrive,
         * scores the batch after the poll's records are processed); one intra-op thread.
         */
        public static Settings defaults() {
            return new Settings(32, Duration.ZERO, Duration.ofMillis(1), DigitModel.Options.defaults(),
                    OnlineAccuracy.DEFAULT_WINDOW, Duration.ofSeconds(30));
        }
    }

    /**
     * What one running topology shares between its threads: the champion slot and the online accuracy.
     * A {@code State} belongs to exactly one topology (and so to one Kafka Streams instance).
     */
    public record State(ModelSlot slot, OnlineAccuracy accuracy) {
        public static State fresh(Settings settings) {
            return new State(new ModelSlot(), new OnlineAccuracy(settings.accuracyWindow()));
        }
    }

    private ClassifierTopology() {
    }

    /**
     * @param serdes the serdes of the topics, registry-backed in a service
     * @param state  the champion slot and online accuracy this topology's processors share
     */
    public static Topology build(Settings settings, HarkSerdes serdes, State state) {
        Deserializer<LogMelFeatures> features = serdes.reader(Topics.AUDIO_FEATURES);
        Deserializer<ModelRelease> releases = serdes.reader(Topics.MODELS);
        Serializer<SpecificRecord> values = serdes.writer();

        Topology topology = new Topology();
        // in memory and without a changelog (global stores never have one): every start replays
        // `models` through the processor, so the champion is loaded before features are scored
        topology.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ModelReleaseProcessor.STORE),
                        Serdes.String(), Serdes.String()).withLoggingDisabled(),
                MODELS_SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                Topics.MODELS.name(), MODELS_PROCESSOR,
                () -> new ModelReleaseProcessor(releases, state.slot(), settings.model()));

        topology.addSource(FEATURES_SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                FEATURES_TOPIC);
        topology.addProcessor(CLASSIFY, GuardedProcessor.of(ClassifyProcessor.STAGE, FEATURES_TOPIC, DLQ_SINK,
                () -> new ClassifyProcessor(features, state.slot(), state.accuracy(), settings)), FEATURES_SOURCE);
        // cached: a record is usually scored and deleted before the commit that would write it to RocksDB and
        // the changelog (then only its deletion is written); keys are Held.storeKey (seq first), values as read
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ClassifyProcessor.STORE),
                Serdes.ByteArray(), Serdes.ByteArray()).withCachingEnabled(), CLASSIFY);
        topology.addSink(PREDICTIONS_SINK, Topics.AUDIO_PREDICTIONS.name(), Serdes.String().serializer(), values, CLASSIFY);
        topology.addSink(DLQ_SINK, Topics.AUDIO_DLQ.name(), Serdes.String().serializer(), values, CLASSIFY);
        return topology;
    }
}
