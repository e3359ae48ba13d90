package dev.hark.trainer.online;

import dev.hark.kafka.ModelsTopic;
import dev.hark.model.ModelCatalog;

import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.avro.ModelRelease;
import dev.hark.audio.Pcm16;
import dev.hark.testing.EmbeddedInfra;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.TopicAdmin;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;
import dev.hark.schemas.serde.AvroSerializer;
import dev.hark.trainer.SyntheticDigitsAccess;
import dev.hark.trainer.data.LabeledClip;
import dev.hark.trainer.model.Augmentation;
import dev.hark.trainer.model.TrainingOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The online trainer on the embedded Kafka and registry: ingests labeled clips (a bad one to the dead
 * letters), publishes v1 as champion, restarts with its store and offsets and continues (no re-read,
 * no loss, duplicates kept once), retrains into v2 judged against v1 on the same held-out speaker, and
 * its gate refuses a deliberately worse model.
 */
class OnlineTrainerOverKafkaTest {

    static final String[] SPEAKERS = {"ann", "bob", "cat", "dan"};

    @Test
    void ingestsPublishesRestartsContinuesAndGates(@TempDir Path state) throws Exception {
        EmbeddedInfra infra = EmbeddedInfra.shared();
        ClusterConfig cluster = new ClusterConfig(infra.bootstrapServers(), infra.registryUrl());
        TopicAdmin.ensureTopics(cluster.bootstrapServers(), 3);
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        String run = UUID.randomUUID().toString().substring(0, 8);

        List<LabeledClip> first = SyntheticDigitsAccess.clips(6, SPEAKERS, 1, run + "-a");
        List<LabeledClip> second = SyntheticDigitsAccess.clips(3, SPEAKERS, 2, run + "-b");
        TrainingOptions quick = TrainingOptions.defaults().withEpochs(10).withBatchSize(16).withThreads(2)
                .withChannels(new int[] {8, 16, 32}).withAugmentation(Augmentation.NONE);
        OnlineTrainer.Settings settings = OnlineTrainer.Settings.defaults(cluster, state)
                .withRetrainEvery(first.size()).withMinClips(100).withOptions(quick)
                .withHoldoutSpeakers(List.of("dan")).withGroup("trainer-it-" + run);

        int before = new ModelCatalogReader(cluster, registry).read().latestVersion();
        publish(cluster, registry, first, true);
        ModelRelease v1;
        try (OnlineTrainer trainer = new OnlineTrainer(settings, registry)) {
            trainer.start();
            v1 = awaitTraining(trainer, 1);
            assertEquals(first.size(), trainer.status().storedClips());
            assertEquals(1, trainer.status().deadLetters(), "the clip without a label is a dead letter");
        }
        assertEquals(before + 1, v1.getVersion());
        assertTrue(v1.getChampion(), "the first model of an empty models topic becomes champion");
        assertNull(v1.getChampionAccuracy());
        assertNotNull(v1.getCandidateAccuracy());
        assertEquals(List.of("dan"), v1.getEvaluationSpeakers());
        assertEquals(first.size(), v1.getMetrics().get("labeled_clips"), 0.0);

        // Restart: the store and the committed offsets carry over; only the new records are read.
        publish(cluster, registry, second, false);
        publish(cluster, registry, first.subList(0, 1), false); // published twice: stored once
        ModelRelease v2;
        try (OnlineTrainer trainer = new OnlineTrainer(settings.withRetrainEvery(second.size()), registry)) {
            assertEquals(first.size(), trainer.status().storedClips(), "the labeled set survives the restart");
            trainer.start();
            v2 = awaitTraining(trainer, 1);
            assertEquals(second.size() + 1, trainer.status().consumed(), "only the records after the restart are read");
            assertEquals(1, trainer.status().duplicates());
            assertEquals(first.size() + second.size(), trainer.status().storedClips());
        }
        assertEquals(v1.getVersion() + 1, v2.getVersion());
        assertEquals(v1.getVersion(), v2.getParentVersion());
        assertEquals(first.size() + second.size(), v2.getMetrics().get("labeled_clips"), 0.0);
        assertNotNull(v2.getChampionAccuracy(), "v1 is judged again, on the same held-out clips as v2");
        assertEquals(v2.getCandidateAccuracy() >= v2.getChampionAccuracy(), v2.getChampion());

        // The gate: a model that barely trained (learning rate 1e-7) must not replace the champion.
        ModelCatalog catalog = new ModelCatalogReader(cluster, registry).read();
        ModelRelease champion = catalog.champion().orElseThrow();
        TrainingOptions broken = new TrainingOptions(1, 16, 1e-7f, 5, new int[] {8, 16, 32}, 0.3f, Augmentation.NONE, 2);
        try (OnlineTrainer trainer = new OnlineTrainer(settings.withOptions(broken), registry)) {
            ModelRelease worse = trainer.retrain("deliberately worse");
            assertFalse(worse.getChampion(), "a worse model is published but not made champion");
            assertTrue(worse.getCandidateAccuracy() < worse.getChampionAccuracy(),
                    worse.getCandidateAccuracy() + " vs " + worse.getChampionAccuracy());
            assertEquals(champion.getVersion(), worse.getParentVersion());
        }
        ModelCatalog after = new ModelCatalogReader(cluster, registry).read();
        assertEquals(champion.getVersion(), after.champion().orElseThrow().getVersion(), "the champion did not change");
        assertEquals(before + 3, after.latestVersion(), "every version stays in models");

        List<DeadLetter> dead = deadLetters(cluster, registry);
        assertTrue(dead.stream().anyMatch(d -> d.getStage().equals(OnlineTrainer.STAGE) && d.getReason().equals("no-label")
                && d.getClipId().equals(run + "-unlabeled") && d.getOriginalValue() != null));
    }

    static ModelRelease awaitTraining(OnlineTrainer trainer, int trainings) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (trainer.status().trainings() < trainings) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no training within 4 minutes: " + trainer.status());
            }
            if (trainer.status().state().startsWith("failed")) {
                throw new AssertionError(trainer.status().state());
            }
            Thread.sleep(200);
        }
        return trainer.status().lastRelease().orElseThrow();
    }

    static void publish(ClusterConfig cluster, SchemaRegistryClient registry, List<LabeledClip> clips, boolean withBadOne) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, AudioClip> producer = new KafkaProducer<>(p, new StringSerializer(),
                new AvroSerializer<>(registry))) {
            List<AudioClip> records = new ArrayList<>();
            for (LabeledClip c : clips) {
                records.add(clip(c.name(), c.label(), c.speaker(), c.samples()));
            }
            if (withBadOne) {
                String id = clips.get(0).name().split("-a-")[0];
                records.add(clip(id + "-unlabeled", null, "ann", clips.get(0).samples()));
            }
            for (AudioClip r : records) {
                producer.send(new ProducerRecord<>(Topics.AUDIO_CLIPS_LABELED.name(), r.getClipId(), r));
            }
            producer.flush();
        }
    }

    static AudioClip clip(String id, Integer label, String speaker, float[] samples) {
        Instant now = Instant.now();
        return AudioClip.newBuilder().setClipId(id).setSource("test/" + id).setSampleRate(8000)
                .setPcm(ByteBuffer.wrap(Pcm16.fromFloats(samples))).setLabel(label).setSpeaker(speaker)
                .setCapturedAtMs(now).setClipCreatedAtMs(now).build();
    }

    static List<DeadLetter> deadLetters(ClusterConfig cluster, SchemaRegistryClient registry) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-check-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<DeadLetter> out = new ArrayList<>();
        try (KafkaConsumer<String, DeadLetter> c = new KafkaConsumer<>(p, new StringDeserializer(),
                AvroDeserializer.specific(registry, DeadLetter.class))) {
            c.subscribe(List.of(Topics.AUDIO_DLQ.name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline && out.stream().noneMatch(d -> d.getStage().equals(OnlineTrainer.STAGE))) {
                for (ConsumerRecord<String, DeadLetter> r : c.poll(Duration.ofMillis(500))) {
                    out.add(r.value());
                }
            }
        }
        return out;
    }

    /** Reads the models topic the way every Hark component does. */
    record ModelCatalogReader(ClusterConfig cluster, SchemaRegistryClient registry) {
        ModelCatalog read() {
            return new ModelCatalog(ModelsTopic.read(cluster, registry, Duration.ofSeconds(30)));
        }
    }
}
