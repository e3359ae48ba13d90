package dev.hark.launcher;

import dev.hark.schemas.FeatureConfigs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hark.avro.AudioChunk;
import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.avro.ModelRelease;
import dev.hark.avro.Prediction;
import dev.hark.model.CnnWeights;
import dev.hark.model.HarkOnnxWriter;
import dev.hark.model.ModelInfo;
import dev.hark.classifier.stream.ClassifierService;
import dev.hark.classifier.stream.ClassifierTopology;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.features.stream.FeatureStreamService;
import dev.hark.features.stream.FeatureStreamTopology;
import dev.hark.testing.EmbeddedInfra;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.DeadLetters;
import dev.hark.kafka.TopicAdmin;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;
import dev.hark.schemas.serde.AvroSerializer;
import dev.hark.kafka.ModelsTopic;
import dev.hark.model.ModelCatalog;
import dev.hark.kafka.ModelPublisher;

/**
 * The records that each used to stop the feature stream for every device, and a corpus of other bad
 * records, sent to the real services on the embedded Kafka (brokers accept 20 MiB records, as
 * {@code hark up}'s does) while a valid device streams words in real time. Every bad record gets exactly
 * one dead letter (matched by topic, partition and offset), the services stay RUNNING, and every word of
 * the valid device is predicted exactly once.
 */
class PoisonPillsOverKafkaTest {
    static final int WORDS = 8;

    @Test
    void everyBadRecordIsOneDeadLetterWhileAValidDeviceIsHeard(@TempDir Path tmp) throws Exception {
        EmbeddedInfra infra = EmbeddedInfra.shared();
        ClusterConfig cluster = new ClusterConfig(infra.bootstrapServers(), infra.registryUrl());
        TopicAdmin.ensureTopics(cluster.bootstrapServers(), 3);
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        String run = UUID.randomUUID().toString().substring(0, 8);
        publishChampion(cluster, registry);

        try (FeatureStreamService features = new FeatureStreamService(cluster, FeatureStreamTopology.Settings.defaults(),
                     tmp.resolve("features"), appId("pills-features-" + run));
             ClassifierService classifier = new ClassifierService(cluster, ClassifierTopology.Settings.defaults(),
                     tmp.resolve("classifier"), appId("pills-classifier-" + run));
             KafkaProducer<String, byte[]> producer = producer(cluster);
             KafkaConsumer<byte[], byte[]> dlq = fromNow(cluster, Topics.AUDIO_DLQ.name());
             KafkaConsumer<byte[], byte[]> predictions = fromNow(cluster, Topics.AUDIO_PREDICTIONS.name())) {
            features.start();
            classifier.start();
            awaitRunning(features.streams(), classifier.streams());

            String okDevice = "ok-" + run;
            CompletableFuture<Void> valid = CompletableFuture.runAsync(() -> speak(producer, registry, okDevice));

            List<RecordMetadata> bad = new ArrayList<>();
            AvroSerializer<SpecificRecord> avro = new AvroSerializer<>(registry);
            String chunks = Topics.AUDIO_CHUNKS.name();
            Instant now = Instant.now();
            // the reported ones
            String p1 = "p1-" + run;
            bad.add(send(producer, chunks, p1, avro.serialize(chunks, chunk(p1, "s".repeat(70_000), 0, 0, 8000, new byte[1600], now))));
            String p2 = "p2-" + run;
            send(producer, chunks, p2, avro.serialize(chunks, chunk(p2, "s1", 0, 0, 8000, new byte[1600], now))); // valid
            bad.add(send(producer, chunks, p2, avro.serialize(chunks, chunk(p2, "s1", 1, (1L << 54) + 800, 8000, new byte[1600], now))));
            String p3 = "p3-" + run;
            bad.add(send(producer, chunks, p3, avro.serialize(chunks, chunk(p3, "s1", 0, 0, 0, new byte[2_000_000], now))));
            AudioClip bigClip = AudioClip.newBuilder().setClipId("p4-" + run).setSource("test").setSampleRate(1)
                    .setPcm(ByteBuffer.wrap(new byte[2_000_000])).setCapturedAtMs(now).setClipCreatedAtMs(now).build();
            bad.add(send(producer, Topics.AUDIO_CLIPS.name(), "p4-" + run, avro.serialize(Topics.AUDIO_CLIPS.name(), bigClip)));
            String p5 = "p5-" + run;
            for (int i = 0; i < 25; i++) {
                bad.add(send(producer, chunks, p5, avro.serialize(chunks,
                        chunk(p5, "s1", i, i * 38_400L, 384_000, pcm(tone(38_400, 5000)), now.plusMillis(i * 100L)))));
            }
            // and the rest of the corpus, on each topic the streams read
            Random random = new Random(11);
            for (String topic : List.of(chunks, Topics.AUDIO_CLIPS.name(), Topics.AUDIO_FEATURES.name())) {
                byte[] noise = new byte[500];
                random.nextBytes(noise);
                bad.add(send(producer, topic, "noise-" + run, noise));
                bad.add(send(producer, topic, "tombstone-" + run, null));
                byte[] unknownId = new byte[40];
                ByteBuffer.wrap(unknownId, 1, 4).putInt(1_999_999_000 + random.nextInt(999));
                bad.add(send(producer, topic, "unknown-" + run, unknownId));
            }
            bad.add(send(producer, chunks, "huge-key-" + "k".repeat(100_000), avro.serialize(chunks,
                    chunk("other-" + run, "s1", 0, 0, 8000, new byte[1600], now))));

            // every bad record: exactly one dead letter
            Map<String, Integer> letters = new HashMap<>();
            Set<String> expected = new HashSet<>();
            bad.forEach(m -> expected.add(where(m.topic(), m.partition(), m.offset())));
            AvroDeserializer<DeadLetter> letterReader = AvroDeserializer.specific(registry, DeadLetter.class);
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<byte[], byte[]> r : dlq.poll(Duration.ofMillis(300))) {
                    assertTrue(r.serializedValueSize() < 300_000, "a dead letter of " + r.serializedValueSize() + " bytes");
                    DeadLetter d = letterReader.deserialize(r.topic(), r.value());
                    if (d.getTopic() != null && d.getPartition() != null && d.getOffset() != null) {
                        letters.merge(where(d.getTopic(), d.getPartition(), d.getOffset()), 1, Integer::sum);
                    }
                }
                if (quietUntil == Long.MAX_VALUE && letters.keySet().containsAll(expected)) {
                    quietUntil = System.nanoTime() + Duration.ofSeconds(5).toNanos(); // then watch for doubles
                }
            }
            for (String w : expected) {
                assertEquals(1, letters.getOrDefault(w, 0), "dead letters for " + w);
            }

            // the valid device: every word predicted once
            valid.get();
            Set<String> words = new HashSet<>();
            AvroDeserializer<Prediction> predictionReader = AvroDeserializer.specific(registry, Prediction.class);
            deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int predicted = 0;
            while (System.nanoTime() < deadline && predicted < WORDS) {
                for (ConsumerRecord<byte[], byte[]> r : predictions.poll(Duration.ofMillis(300))) {
                    Prediction p = predictionReader.deserialize(r.topic(), r.value());
                    if (okDevice.equals(p.getDeviceId())) {
                        assertTrue(words.add(p.getClipId()), "one prediction per clip");
                        predicted++;
                    }
                }
            }
            assertEquals(WORDS, predicted, "every word of the valid device is heard");
            assertEquals(KafkaStreams.State.RUNNING, features.streams().state());
            assertEquals(KafkaStreams.State.RUNNING, classifier.streams().state());
            assertTrue(features.health().up() && classifier.health().up());
        }
    }

    /** The valid device: {@value #WORDS} words (400 ms of tone in low noise, 600 ms of noise) in real time. */
    static void speak(KafkaProducer<String, byte[]> producer, SchemaRegistryClient registry, String device) {
        AvroSerializer<SpecificRecord> avro = new AvroSerializer<>(registry);
        Random random = new Random(3);
        int seq = 0;
        Instant start = Instant.now();
        try {
            for (int w = 0; w < WORDS + 1; w++) {
                for (int c = 0; c < 10; c++, seq++) {
                    boolean loud = w < WORDS && c >= 3 && c < 7;
                    short[] s = new short[800];
                    for (int i = 0; i < s.length; i++) {
                        s[i] = (short) ((loud ? 8000 * Math.sin((seq * 800 + i) * 0.3) : 0) + random.nextGaussian() * 5);
                    }
                    AudioChunk chunk = chunk(device, "s1", seq, seq * 800L, 8000, pcm(s), start.plusMillis(seq * 100L));
                    producer.send(new ProducerRecord<>(Topics.AUDIO_CHUNKS.name(), device,
                            avro.serialize(Topics.AUDIO_CHUNKS.name(), chunk))).get();
                    Thread.sleep(100);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static RecordMetadata send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value) throws Exception {
        return producer.send(new ProducerRecord<>(topic, key, value)).get();
    }

    static String where(String topic, int partition, long offset) {
        return topic + "-" + partition + "@" + offset;
    }

    static AudioChunk chunk(String device, String session, long seq, long start, int rate, byte[] pcm, Instant at) {
        return AudioChunk.newBuilder().setDeviceId(device).setSessionId(session).setSequence(seq).setStartSample(start)
                .setSampleRate(rate).setPcm(ByteBuffer.wrap(pcm)).setCapturedAtMs(at).setSentAtMs(at).build();
    }

    static short[] tone(int n, int amplitude) {
        short[] s = new short[n];
        for (int i = 0; i < n; i++) {
            s[i] = (short) (amplitude * Math.sin(i * 0.05));
        }
        return s;
    }

    static byte[] pcm(short[] s) {
        ByteBuffer b = ByteBuffer.allocate(s.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(s);
        return b.array();
    }

    /** A small random model as champion: any digit will do, what counts is that every clip gets one. */
    static void publishChampion(ClusterConfig cluster, SchemaRegistryClient registry) {
        FeatureSpec spec = FeatureSpec.defaults();
        int version = new ModelCatalog(ModelsTopic.read(cluster, registry, Duration.ofSeconds(30))).latestVersion() + 1;
        byte[] onnx = HarkOnnxWriter.write(CnnWeights.random(version, spec.nMels(), spec.clipFrames(), 4, 8),
                new ModelInfo(version, spec.id(), FeatureConfigs.toAvro(spec)));
        ModelRelease release = ModelRelease.newBuilder().setVersion(version).setCreatedAtMs(Instant.now())
                .setFeatureConfigId(spec.id()).setFeatureConfig(FeatureConfigs.toAvro(spec)).setOnnx(ByteBuffer.wrap(onnx))
                .setOnnxSha256(dev.hark.audio.Digests.sha256(onnx)).setOutput("probabilities").setChampion(true).build();
        try (ModelPublisher publisher = new ModelPublisher(cluster, registry)) {
            publisher.publish(release);
        }
    }

    static KafkaProducer<String, byte[]> producer(ClusterConfig cluster) {
        Properties p = cluster.clientProperties();
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    static KafkaConsumer<byte[], byte[]> fromNow(ClusterConfig cluster, String topic) {
        Properties p = cluster.clientProperties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        c.assign(parts);
        c.seekToEnd(parts);
        parts.forEach(c::position);
        return c;
    }

    static Properties appId(String id) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, id);
        return p;
    }

    static void awaitRunning(KafkaStreams... all) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (KafkaStreams s : all) {
            while (s.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(KafkaStreams.State.RUNNING, s.state());
        }
    }
}
