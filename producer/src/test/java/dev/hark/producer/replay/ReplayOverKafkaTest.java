package dev.hark.producer.replay;

import dev.hark.avro.AudioClip;
import dev.hark.audio.Pcm16;
import dev.hark.audio.WavWriter;
import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.testing.EmbeddedInfra;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.TopicAdmin;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A folder replayed to both topics on the embedded Kafka: every good file once per topic, the bad one reported. */
class ReplayOverKafkaTest {

    @Test
    void everyFileArrivesOnceInEachTopicWithLabelAndSpeaker(@TempDir Path dir) throws Exception {
        String speaker = "s" + UUID.randomUUID().toString().substring(0, 6);
        for (int d = 0; d < 10; d++) {
            float[] x = new float[1600 + 100 * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (0.2 * Math.sin(2 * Math.PI * (300 + 50 * d) * i / 16000.0));
            }
            WavWriter.write(dir.resolve(d + "_" + speaker + "_" + d + ".wav"), x, 16000);
        }
        Files.writeString(dir.resolve("3_" + speaker + "_99.wav"), "RIFF....truncated");

        EmbeddedInfra infra = EmbeddedInfra.shared();
        ClusterConfig cluster = new ClusterConfig(infra.bootstrapServers(), infra.registryUrl());
        TopicAdmin.ensureTopics(cluster.bootstrapServers(), 3);
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        Replayer.Summary s;
        try (Replayer r = new Replayer(cluster, registry)) {
            s = r.replay(DatasetFiles.list(dir), Replayer.Target.BOTH, 0, 0, n -> { });
        }
        assertEquals(11, s.files());
        assertEquals(10, s.published());
        assertEquals(1, s.failures().size());
        assertTrue(s.failures().get(0).file().endsWith("_99.wav"));

        for (String topic : List.of(Topics.AUDIO_CLIPS_LABELED.name(), Topics.AUDIO_CLIPS.name())) {
            Map<String, AudioClip> got = read(cluster, registry, topic, speaker, 10);
            assertEquals(10, got.size(), topic);
            for (int d = 0; d < 10; d++) {
                AudioClip c = got.get("replay:" + d + "_" + speaker + "_" + d + ".wav");
                assertEquals(d, c.getLabel());
                assertEquals(speaker, c.getSpeaker());
                assertEquals(16000, c.getSampleRate());
                assertEquals(1600 + 100 * d, Pcm16.toFloats(c.getPcm().duplicate()).length);
            }
        }
    }

    static Map<String, AudioClip> read(ClusterConfig cluster, SchemaRegistryClient registry, String topic, String speaker,
                                       int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "replay-check-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, AudioClip> out = new HashMap<>();
        int count = 0;
        try (KafkaConsumer<String, AudioClip> c = new KafkaConsumer<>(p, new StringDeserializer(),
                AvroDeserializer.specific(registry, AudioClip.class))) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && count < expected) {
                for (ConsumerRecord<String, AudioClip> r : c.poll(Duration.ofMillis(300))) {
                    if (speaker.equals(String.valueOf(r.value().getSpeaker()))) {
                        out.put(r.key(), r.value());
                        count++;
                    }
                }
            }
            // a little longer: a duplicate would show up here
            for (ConsumerRecord<String, AudioClip> r : c.poll(Duration.ofSeconds(1))) {
                if (speaker.equals(String.valueOf(r.value().getSpeaker()))) {
                    count++;
                }
            }
        }
        assertEquals(expected, count, "records in " + topic);
        return out;
    }
}
