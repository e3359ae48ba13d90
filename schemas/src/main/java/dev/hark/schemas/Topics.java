package dev.hark.schemas;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.hark.avro.AudioChunk;
import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.avro.LogMelFeatures;
import dev.hark.avro.ModelRelease;
import dev.hark.avro.Prediction;

/** The registry of Hark's topics: the one place their names, types and settings are written down. */
public final class Topics {
    private Topics() {
    }

    /** Models up to this size travel through Kafka (the brief asks for at least 16 MiB). */
    public static final int MAX_MODEL_MESSAGE_BYTES = 20 * 1024 * 1024;

    private static final long DAY_MS = Duration.ofDays(1).toMillis();

    /** Live microphone chunks from edge devices, key = deviceId. */
    public static final Topic<AudioChunk> AUDIO_CHUNKS = new Topic<>("audio.chunks", AudioChunk.class,
            false, DAY_MS, Map.of());

    /** One utterance per record, to be classified, key = clipId. */
    public static final Topic<AudioClip> AUDIO_CLIPS = new Topic<>("audio.clips", AudioClip.class,
            false, 7 * DAY_MS, Map.of());

    /** Labeled utterances for training (kept forever), key = clipId. */
    public static final Topic<AudioClip> AUDIO_CLIPS_LABELED = new Topic<>("audio.clips.labeled", AudioClip.class,
            false, -1, Map.of());

    /** Log-mel matrices with their feature configuration, key = clipId. */
    public static final Topic<LogMelFeatures> AUDIO_FEATURES = new Topic<>("audio.features", LogMelFeatures.class,
            false, 7 * DAY_MS, Map.of());

    /** The digit heard in each clip, key = clipId. */
    public static final Topic<Prediction> AUDIO_PREDICTIONS = new Topic<>("audio.predictions", Prediction.class,
            false, 7 * DAY_MS, Map.of());

    /** Every model version ever released (kept forever), key = version. */
    public static final Topic<ModelRelease> MODELS = new Topic<>("models", ModelRelease.class,
            true, -1, Map.of("max.message.bytes", String.valueOf(MAX_MODEL_MESSAGE_BYTES)));

    /** Records a stage could not process, with the reason (30 days). */
    public static final Topic<DeadLetter> AUDIO_DLQ = new Topic<>("audio.dlq", DeadLetter.class,
            false, 30 * DAY_MS, Map.of());

    public static final List<Topic<?>> ALL = List.of(AUDIO_CHUNKS, AUDIO_CLIPS, AUDIO_CLIPS_LABELED,
            AUDIO_FEATURES, AUDIO_PREDICTIONS, MODELS, AUDIO_DLQ);

    public static Optional<Topic<?>> byName(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** How a topic is to be created: name, partitions, configuration. */
    public record TopicSpec(String name, int partitions, Map<String, String> configs) {
    }

    /**
     * Creation specs for every topic.
     *
     * @param partitions        partitions of every multi-partition topic (the stream applications'
     *                          maximum parallelism); {@code models} always gets one
     * @param retentionOverrides retention in ms by topic name, replacing the defaults; -1 = forever
     */
    public static List<TopicSpec> specs(int partitions, Map<String, Long> retentionOverrides) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        for (String name : retentionOverrides.keySet()) {
            if (byName(name).isEmpty()) {
                throw new IllegalArgumentException("no Hark topic named '" + name + "'; topics are " + ALL);
            }
        }
        return ALL.stream().map(topic -> {
            Map<String, String> configs = new LinkedHashMap<>(topic.configs());
            long retention = retentionOverrides.getOrDefault(topic.name(), topic.defaultRetentionMs());
            configs.put("retention.ms", String.valueOf(retention));
            configs.put("cleanup.policy", "delete");
            if (retention < 0) {
                configs.put("retention.bytes", "-1");
            }
            return new TopicSpec(topic.name(), topic.singlePartition() ? 1 : partitions, configs);
        }).toList();
    }

    public static List<TopicSpec> specs(int partitions) {
        return specs(partitions, new HashMap<>());
    }
}
