package dev.hark.features.stream;

import java.time.Duration;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

import dev.hark.avro.AudioChunk;
import dev.hark.avro.AudioClip;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dsp.LogMelExtractor;
import dev.hark.features.segment.DeviceAudio;
import dev.hark.schemas.Topics;
import dev.hark.schemas.serde.HarkSerdes;
import dev.hark.streams.GuardedProcessor;

/**
 * The feature stream's topology, with nothing else in it (no Kafka connection, no registry client: it
 * takes its {@link HarkSerdes}), so tests drive it with {@code TopologyTestDriver}:
 *
 * <pre>
 * audio.chunks ─► segment (per-device store, wall-clock punctuator) ─► audio.clips
 * audio.clips  ─► log-mel ─────────────────────────────────────────► audio.features
 *                 both ──────────────────────────────────────────────► audio.dlq
 * </pre>
 *
 * Sources read bytes and decode inside the processors, so a record that does not decode becomes a
 * dead letter with its original bytes instead of stopping the application; every processor is
 * {@link GuardedProcessor guarded}, so no exception a record causes escapes it.
 */
public final class FeatureStreamTopology {
    static final String CHUNKS_SOURCE = "chunks";
    static final String CLIPS_SOURCE = "clips";
    static final String SEGMENTER = "segment";
    static final String LOG_MEL = "log-mel";
    static final String CLIPS_SINK = "clips-out";
    static final String FEATURES_SINK = "features-out";
    static final String DLQ_SINK = "dlq-out";

    /** What the topology needs to know. */
    public record Settings(FeatureSpec features, DeviceAudio.Settings segmentation, Duration punctuateEvery) {
        public static Settings defaults() {
            return new Settings(FeatureSpec.defaults(), DeviceAudio.Settings.defaults(), Duration.ofMillis(100));
        }
    }

    private FeatureStreamTopology() {
    }

    /** @param serdes the serdes of the topics, registry-backed in a service */
    public static Topology build(Settings settings, HarkSerdes serdes) {
        LogMelExtractor extractor = new LogMelExtractor(settings.features());
        Deserializer<AudioChunk> chunks = serdes.reader(Topics.AUDIO_CHUNKS);
        Deserializer<AudioClip> clips = serdes.reader(Topics.AUDIO_CLIPS);
        Serializer<SpecificRecord> values = serdes.writer();

        Topology topology = new Topology();
        topology.addSource(CHUNKS_SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                Topics.AUDIO_CHUNKS.name());
        topology.addProcessor(SEGMENTER, GuardedProcessor.of(ChunkSegmentationProcessor.STAGE, Topics.AUDIO_CHUNKS.name(),
                DLQ_SINK, () -> new ChunkSegmentationProcessor(chunks, settings.segmentation(), settings.punctuateEvery())),
                CHUNKS_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(ChunkSegmentationProcessor.STORE), Serdes.String(), Serdes.ByteArray())
                // a device's state changes with every chunk: cached, RocksDB and the changelog see it once
                // per commit instead of ten times a second per device
                .withCachingEnabled(),
                SEGMENTER);
        // the open utterances' audio, one entry per chunk (deviceId/index), read back when an utterance is cut
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(ChunkSegmentationProcessor.PIECES_STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled(),
                SEGMENTER);
        topology.addSink(CLIPS_SINK, Topics.AUDIO_CLIPS.name(), Serdes.String().serializer(), values, SEGMENTER);

        topology.addSource(CLIPS_SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                Topics.AUDIO_CLIPS.name());
        topology.addProcessor(LOG_MEL, GuardedProcessor.of(ClipFeaturesProcessor.STAGE, Topics.AUDIO_CLIPS.name(), DLQ_SINK,
                () -> new ClipFeaturesProcessor(clips, extractor)), CLIPS_SOURCE);
        topology.addSink(FEATURES_SINK, Topics.AUDIO_FEATURES.name(), Serdes.String().serializer(), values, LOG_MEL);

        topology.addSink(DLQ_SINK, Topics.AUDIO_DLQ.name(), Serdes.String().serializer(), values, SEGMENTER, LOG_MEL);
        return topology;
    }
}
