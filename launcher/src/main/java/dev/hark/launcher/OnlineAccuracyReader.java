package dev.hark.launcher;

import dev.hark.avro.Prediction;
import dev.hark.classifier.accuracy.OnlineAccuracy;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.TopicScan;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/** Online accuracy per model version from {@code audio.predictions} (labeled clips only), as the classifier measures it. */
final class OnlineAccuracyReader {

    static final int WINDOW = OnlineAccuracy.DEFAULT_WINDOW;

    private OnlineAccuracyReader() {
    }

    static Map<Integer, Double> read(ClusterConfig cluster, SchemaRegistryClient registry) {
        OnlineAccuracy acc = new OnlineAccuracy(WINDOW);
        java.util.Set<Integer> versions = new java.util.TreeSet<>();
        Properties p = cluster.clientProperties();
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, Prediction> c = new KafkaConsumer<>(p, new StringDeserializer(),
                AvroDeserializer.specific(registry, Prediction.class))) {
            TopicScan.toEnd(c, Topics.AUDIO_PREDICTIONS.name(), Duration.ofSeconds(60), r -> {
                if (acc.record(r.value())) {
                    versions.add(r.value().getModelVersion());
                }
            });
        }
        Map<Integer, Double> out = new TreeMap<>();
        for (int v : versions) {
            acc.of(v).ifPresent(a -> out.put(v, a.accuracy()));
        }
        return out;
    }
}
