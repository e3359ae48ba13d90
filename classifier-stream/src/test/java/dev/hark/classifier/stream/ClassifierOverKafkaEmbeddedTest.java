package dev.hark.classifier.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hark.avro.DeadLetter;
import dev.hark.avro.LogMelFeatures;
import dev.hark.avro.ModelRelease;
import dev.hark.avro.Prediction;
import dev.hark.model.TestModels;
import dev.hark.testing.EmbeddedInfra;
import dev.hark.testing.HarkInfra;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.TopicAdmin;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;

/**
 * The classifier on a real broker and registry (in-process KRaft + Apicurio): a steady stream of
 * feature records over three partitions, a new champion published in the middle of it, and every
 * clip predicted exactly once (counted by clip id, read committed), version 1 before the swap and
 * version 2 after it on every partition, nothing dead-lettered.
 */
class ClassifierOverKafkaEmbeddedTest {
    static final int CLIPS = 300;

    @Test
    void aChampionSwapUnderASteadyStreamPredictsEveryClipExactlyOnce(@TempDir Path stateDir) throws Exception {
        HarkInfra infra = EmbeddedInfra.shared();
        ClusterConfig cluster = new ClusterConfig(infra.bootstrapServers(), infra.registryUrl());
        TopicAdmin.ensureTopics(cluster.bootstrapServers(), 3);
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        String run = "it-" + UUID.randomUUID().toString().substring(0, 8);

        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_MODEL_MESSAGE_BYTES);
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        Properties overrides = new Properties();
        overrides.put(StreamsConfig.APPLICATION_ID_CONFIG, "classifier-it-" + run);

        try (KafkaProducer<String, ModelRelease> models = new KafkaProducer<>(producerProps,
                Topics.MODELS.keySerde().serializer(), Topics.MODELS.valueSerde(registry).serializer());
             KafkaProducer<String, LogMelFeatures> features = new KafkaProducer<>(producerProps,
                     Topics.AUDIO_FEATURES.keySerde().serializer(), Topics.AUDIO_FEATURES.valueSerde(registry).serializer())) {
            // v1 is champion before the service starts: it is loaded while `models` is replayed at start-up
            models.send(new ProducerRecord<>(Topics.MODELS.name(), "1", ClassifierTopologyTest.release(1,
                    TestModels.small(1, 1), TestModels.CONFIG_ID, true))).get();

            try (ClassifierService service = new ClassifierService(cluster, ClassifierTopology.Settings.defaults(),
                    stateDir, overrides)) {
                service.start();
                long waitUntil = System.currentTimeMillis() + 30_000;
                while (service.streams().state() != KafkaStreams.State.RUNNING && System.currentTimeMillis() < waitUntil) {
                    Thread.sleep(50);
                }
                // a steady stream of about 60 clips/s, from another thread
                AtomicReference<Throwable> sendFailure = new AtomicReference<>();
                Thread sender = new Thread(() -> {
                    try {
                        long t0 = System.nanoTime();
                        for (int i = 0; i < CLIPS; i++) {
                            String clip = run + "-" + i;
                            features.send(new ProducerRecord<>(Topics.AUDIO_FEATURES.name(), clip,
                                    ClassifierTopologyTest.features(clip, i % 10, TestModels.CONFIG_ID,
                                            ClassifierTopologyTest.matrix(i))));
                            long due = t0 + (i + 1) * 16_000_000L;
                            while (System.nanoTime() < due) {
                                Thread.sleep(1);
                            }
                        }
                        features.flush();
                    } catch (Throwable t) {
                        sendFailure.set(t);
                    }
                }, "feature-sender");
                sender.start();

                Map<String, Integer> count = new HashMap<>();
                Map<Integer, List<Integer>> versionsByPartition = new TreeMap<>();
                List<DeadLetter> dead = new ArrayList<>();
                Properties props = new Properties();
                props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
                props.put(ConsumerConfig.GROUP_ID_CONFIG, "check-" + run);
                props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
                var predictionSerde = Topics.AUDIO_PREDICTIONS.valueSerde(registry).deserializer();
                var dlqSerde = Topics.AUDIO_DLQ.valueSerde(registry).deserializer();
                boolean swapped = false;
                try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                        new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(Topics.AUDIO_PREDICTIONS.name(), Topics.AUDIO_DLQ.name()));
                    long deadline = System.currentTimeMillis() + 45_000;
                    long settleUntil = Long.MAX_VALUE;
                    while (System.currentTimeMillis() < Math.min(deadline, settleUntil)) {
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                            if (r.key() == null || !r.key().startsWith(run)) {
                                continue;
                            }
                            if (r.topic().equals(Topics.AUDIO_DLQ.name())) {
                                dead.add(dlqSerde.deserialize(r.topic(), r.value()));
                                continue;
                            }
                            Prediction p = predictionSerde.deserialize(r.topic(), r.value());
                            count.merge(p.getClipId(), 1, Integer::sum);
                            versionsByPartition.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(p.getModelVersion());
                        }
                        if (!swapped && count.size() >= CLIPS / 4 && versionsByPartition.size() == 3
                                && versionsByPartition.values().stream().allMatch(v -> v.size() >= 5)) {
                            // the new champion arrives while clips keep coming
                            models.send(new ProducerRecord<>(Topics.MODELS.name(), "2", ClassifierTopologyTest.release(2,
                                    TestModels.small(2, 2), TestModels.CONFIG_ID, true))).get();
                            swapped = true;
                        }
                        if (count.size() >= CLIPS && settleUntil == Long.MAX_VALUE) {
                            settleUntil = System.currentTimeMillis() + 2_000; // and nothing more than that
                        }
                    }
                }
                sender.join();
                assertEquals(null, sendFailure.get(), "sending features failed");
                assertTrue(swapped, "version 2 was published after " + count.size() + " predictions");
                assertEquals(List.of(), dead, "no dead letters");
                assertEquals(CLIPS, count.size(), "every clip predicted");
                assertTrue(count.values().stream().allMatch(n -> n == 1), "every clip predicted once: "
                        + count.entrySet().stream().filter(e -> e.getValue() != 1).toList());
                for (Map.Entry<Integer, List<Integer>> e : versionsByPartition.entrySet()) {
                    List<Integer> versions = e.getValue();
                    int firstV2 = versions.indexOf(2);
                    assertTrue(firstV2 > 0, "partition " + e.getKey() + " saw version 1 then version 2: " + versions);
                    assertTrue(versions.subList(0, firstV2).stream().allMatch(v -> v == 1)
                            && versions.subList(firstV2, versions.size()).stream().allMatch(v -> v == 2),
                            "partition " + e.getKey() + " switched once, between two records: " + versions);
                }
                assertEquals(2, service.servingVersion());
                var acc = service.accuracy().snapshot();
                assertEquals(List.of(1, 2), acc.stream().map(a -> a.version()).toList());
                assertEquals(CLIPS, acc.stream().mapToLong(a -> a.total()).sum(), "every clip was labeled");
            }
        }
    }
}
