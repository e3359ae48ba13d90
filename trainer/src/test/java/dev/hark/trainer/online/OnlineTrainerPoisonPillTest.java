package dev.hark.trainer.online;

import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.avro.ModelRelease;
import dev.hark.audio.Pcm16;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.DeadLetters;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroSerializer;
import dev.hark.trainer.SyntheticDigitsAccess;
import dev.hark.trainer.data.LabeledClip;
import dev.hark.trainer.model.Augmentation;
import dev.hark.trainer.model.TrainingOptions;
import dev.hark.trainer.online.TrainerKafka.Sent;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import dev.hark.schemas.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "No poison pills" for the online trainer, on the embedded Kafka and the real registry: every labeled
 * record ends as exactly one stored clip or exactly one dead letter on {@code audio.dlq} (read
 * read_committed), whatever the record, across restarts, a crash between the store's sync and the
 * commit, and {@code hark train --online}-style runs with another group; and nothing stops the trainer.
 * Each test has a labeled topic of its own, so the trainers of other tests never see its records.
 */
class OnlineTrainerPoisonPillTest {

    /** Bug 1: a tombstone threw a NullPointerException and stopped the trainer for good (again on every restart). */
    @Test
    void tombstoneIsOneDeadLetterAndTheTrainerGoesOn(@TempDir Path state) throws Exception {
        TrainerKafka k = new TrainerKafka("tombstone");
        List<Sent> sent = new ArrayList<>(k.publish(List.of(k.valid(k.run + "-a"), k.invalid(k.run + "-tombstone", null),
                k.valid(k.run + "-b"))));
        OnlineTrainer.Settings settings = k.settings(state, "tombstone-" + k.run);
        try (OnlineTrainer trainer = new OnlineTrainer(settings, k.registry)) {
            trainer.start();
            TrainerKafka.await("3 records", Duration.ofSeconds(60), () -> trainer.status().consumed() == 3);
            assertTrue(trainer.health().up(), trainer.health().detail());
            assertEquals(2, trainer.status().storedClips());
            assertEquals(1, trainer.status().invalid());
            assertEquals(1, trainer.status().deadLetters());
        }
        sent.addAll(k.publish(List.of(k.valid(k.run + "-c"))));
        try (OnlineTrainer trainer = new OnlineTrainer(settings, k.registry)) {
            trainer.start();
            TrainerKafka.await("the clip after the restart", Duration.ofSeconds(60), () -> trainer.status().consumed() > 0);
            Thread.sleep(1000);
            assertEquals(1, trainer.status().consumed(), "the restart reads only the new record");
            assertEquals(3, trainer.status().storedClips());
            assertTrue(trainer.health().up(), trainer.health().detail());
        }
        List<ConsumerRecord<String, DeadLetter>> dead = k.deadLetters();
        assertEquals(1, dead.size(), "one dead letter: " + reasons(dead));
        DeadLetter dl = dead.get(0).value();
        assertEquals("null-value", dl.getReason());
        assertEquals(OnlineTrainer.STAGE, dl.getStage());
        assertEquals(k.run + "-tombstone", dead.get(0).key());
        assertNull(dl.getOriginalValue());
        assertNull(dl.getOriginalValueSize());
        assertEachExactlyOnce(sent, state, dead);
    }

    /** Bug 2: an odd-length clip was stored and broke every later training; every invalid record is refused once. */
    @Test
    void everyInvalidLabeledRecordIsDeadLetteredOnceAndNeverStored(@TempDir Path state, @TempDir Path once) throws Exception {
        TrainerKafka k = new TrainerKafka("invalid");
        List<Sent> records = new ArrayList<>(List.of(k.valid(k.run + "-v1")));
        records.addAll(k.invalidKinds(k.run));
        records.add(k.valid(k.run + "-v2"));
        List<Sent> sent = k.publish(records);
        try (OnlineTrainer trainer = new OnlineTrainer(k.settings(state, "invalid-" + k.run), k.registry)) {
            trainer.start();
            TrainerKafka.await("every record", Duration.ofSeconds(60), () -> trainer.status().consumed() == sent.size());
            assertEquals(2, trainer.status().storedClips());
            assertEquals(sent.size() - 2, trainer.status().deadLetters());
            assertTrue(trainer.health().up(), trainer.health().detail());
        }
        List<ConsumerRecord<String, DeadLetter>> dead = k.deadLetters();
        Map<String, String> reasonByKey = dead.stream().collect(Collectors.toMap(ConsumerRecord::key, r -> r.value().getReason()));
        Map<String, String> expected = new HashMap<>();
        String[][] kinds = {{"tombstone", "null-value"}, {"odd", "truncated"}, {"empty", "empty"}, {"rate", "bad-rate"},
                {"nolabel", "no-label"}, {"label12", "bad-label"}, {"nospeaker", "no-speaker"}, {"text", "not-wire-format"},
                {"unknownid", "unknown-schema-id"}, {"wrongschema", "undecodable-avro"}};
        for (String[] kind : kinds) {
            expected.put(k.run + "-" + kind[0], kind[1]);
        }
        assertEquals(expected, reasonByKey);
        assertEachExactlyOnce(sent, state, dead);

        // hark train --online reads with a group of its own: it counts the invalid records, writes no dead letter
        try (OnlineTrainer reader = new OnlineTrainer(k.settings(once, "once-" + k.run).withDeadLetters(false), k.registry)) {
            reader.catchUp(Duration.ofMinutes(1));
            assertEquals(sent.size() - 2, reader.status().invalid());
            assertEquals(0, reader.status().deadLetters());
            assertEquals(2, reader.status().storedClips());
        }
        assertEquals(dead.size(), k.deadLetters().size(), "--online wrote no dead letter");
    }

    /** Bug 3: a 2 MB clip was logged as dead-lettered but its dead letter (with the 2 MB inside) never reached audio.dlq. */
    @Test
    void twoMegabyteClipGivesOneSmallDeadLetterThatIsReallyWritten(@TempDir Path state) throws Exception {
        TrainerKafka k = new TrainerKafka("huge");
        byte[] pcm = new byte[2 * 1024 * 1024];
        new java.util.Random(7).nextBytes(pcm);
        byte[] huge = k.encode(TrainerKafka.clip(k.run + "-huge", 4, "ann", 8000, pcm));
        List<Sent> sent = k.publish(List.of(k.invalid(k.run + "-huge", huge), k.valid(k.run + "-after")));
        try (OnlineTrainer trainer = new OnlineTrainer(k.settings(state, "huge-" + k.run), k.registry)) {
            trainer.start();
            TrainerKafka.await("both records", Duration.ofSeconds(60), () -> trainer.status().consumed() == 2);
            assertEquals(1, trainer.status().deadLetters());
            assertEquals(1, trainer.status().storedClips());
        }
        List<ConsumerRecord<String, DeadLetter>> dead = k.deadLetters();
        assertEquals(1, dead.size());
        DeadLetter dl = dead.get(0).value();
        assertEquals("too-long", dl.getReason());
        assertEquals(k.run + "-huge", dl.getClipId());
        assertNull(dl.getOriginalValue(), "2 MB is not copied into the dead letter");
        assertEquals(huge.length, dl.getOriginalValueSize());
        assertEquals(dev.hark.audio.Digests.sha256(huge), dl.getOriginalValueSha256());
        assertEquals(sent.get(0).partition(), dl.getPartition());
        assertEquals(sent.get(0).offset(), dl.getOffset());
        assertTrue(dead.get(0).serializedValueSize() < 16 * 1024, dead.get(0).serializedValueSize() + " bytes");
        assertEachExactlyOnce(sent, state, dead);
    }

    /**
     * Bug 4 and the count: a mix of valid and invalid records read by the service trainer that is closed
     * mid-way, then crashes between its store's sync and its commit, then runs on; then read again by a
     * {@code --online}-style reader with another group, and by the service restarted: every input is
     * exactly one stored clip or exactly one committed dead letter.
     */
    @Test
    void eachInputIsOneStoredClipOrOneDeadLetterAcrossRestartsCrashesAndOnlineRuns(@TempDir Path state, @TempDir Path once)
            throws Exception {
        TrainerKafka k = new TrainerKafka("count");
        List<Sent> all = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            all.add(i % 3 == 1 ? rename(k.invalidKinds(k.run + "-" + i).get(i % 10), k.run + "-bad-" + i)
                    : k.valid(k.run + "-ok-" + i));
        }
        long validCount = all.stream().filter(Sent::valid).count();
        // small batches, so that a close or a crash falls between batches as well as inside them
        ClusterConfig smallPolls = new ClusterConfig(k.cluster.bootstrapServers(), k.cluster.registryUrl(),
                Map.of("max.poll.records", "3"));
        OnlineTrainer.Settings service = k.settings(state, "count-" + k.run);
        service = new OnlineTrainer.Settings(smallPolls, service.stateDir(), service.retrainEvery(), service.minClips(),
                service.spec(), service.options(), service.holdout(), service.group(), true, service.labeledTopic());
        List<Sent> sent = new ArrayList<>();

        // 1. closed mid-way
        sent.addAll(k.publish(all.subList(0, 10)));
        try (OnlineTrainer t1 = new OnlineTrainer(service, k.registry)) {
            t1.start();
            TrainerKafka.await("a first batch", Duration.ofSeconds(60), () -> t1.status().consumed() > 0);
        }

        // 2. a crash after the store's sync, before the commit: its clips stored, its dead letters in a transaction
        //    left open, no offset moved
        sent.addAll(k.publish(all.subList(10, 20)));
        KafkaProducer<String, DeadLetter> crashed = crashBeforeCommit(k, service);
        try {
            // 3. the next trainer fences it, reads the batch again and goes on
            try (OnlineTrainer t3 = new OnlineTrainer(service, k.registry)) {
                t3.start();
                awaitAccounted(k, t3, sent);
                sent.addAll(k.publish(all.subList(20, 30)));
                awaitAccounted(k, t3, sent);
                assertTrue(t3.health().up(), t3.health().detail());
            }
        } finally {
            crashed.close(Duration.ZERO);
        }
        List<ConsumerRecord<String, DeadLetter>> dead = k.deadLetters();
        assertEquals(all.size() - validCount, dead.size(), reasons(dead));

        // 4. hark train --online: another group, dead letters off
        try (OnlineTrainer reader = new OnlineTrainer(k.settings(once, "once-" + k.run).withDeadLetters(false), k.registry)) {
            reader.catchUp(Duration.ofMinutes(1));
            assertEquals(all.size() - validCount, reader.status().invalid());
            assertEquals(validCount, reader.status().storedClips());
            assertEquals(0, reader.status().deadLetters());
        }
        // 5. the service restarted: nothing read again, nothing dead-lettered again
        try (OnlineTrainer t5 = new OnlineTrainer(service, k.registry)) {
            t5.start();
            Thread.sleep(3000);
            assertEquals(0, t5.status().consumed());
            assertEquals(validCount, t5.status().storedClips());
            assertTrue(t5.health().up(), t5.health().detail());
        }
        dead = k.deadLetters();
        assertEquals(all.size() - validCount, dead.size(), "no run added a dead letter: " + reasons(dead));
        assertEachExactlyOnce(sent, state, dead);
    }

    /** Registry outages are not the record's fault: no dead letter, no offset moves, /health says so, and it recovers. */
    @Test
    void registryOutageIsWaitedOutNotDeadLettered(@TempDir Path state) throws Exception {
        TrainerKafka k = new TrainerKafka("outage");
        List<Sent> sent = new ArrayList<>(k.publish(List.of(k.valid(k.run + "-before"))));
        String group = "outage-" + k.run;
        try (TrainerKafka.Proxy proxy = new TrainerKafka.Proxy(k.cluster.registryUrl());
             OnlineTrainer trainer = new OnlineTrainer(k.settings(state, group),
                     new SchemaRegistryClient(proxy.url(k.cluster.registryUrl())));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, k.cluster.bootstrapServers()))) {
            trainer.start();
            // consumed counts a batch once it is committed (storedClips as soon as the clip is appended)
            TrainerKafka.await("the first clip", Duration.ofSeconds(60), () -> trainer.status().consumed() == 1);
            long committedBefore = committed(admin, group);
            proxy.down();

            // records written with a schema version the trainer has never seen, so it must ask the registry
            Schema evolved = new Schema.Parser().parse(AudioClip.getClassSchema().toString().replaceFirst("\"fields\":\\[",
                    "\"fields\":[{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null},"));
            AvroSerializer<GenericRecord> newer = new AvroSerializer<>(k.registry);
            Function<AudioClip, byte[]> asNewer = c -> {
                GenericRecord g = new GenericData.Record(evolved);
                for (Schema.Field f : AudioClip.getClassSchema().getFields()) {
                    g.put(f.name(), c.get(f.name()));
                }
                g.put("note", "from a newer producer");
                return newer.serialize(k.topic, g);
            };
            byte[] pcm = Pcm16.fromFloats(new float[800]);
            sent.addAll(k.publish(List.of(
                    new Sent(k.run + "-newer", -1, -1, TrainerKafka.bytes(k.run + "-newer"),
                            asNewer.apply(TrainerKafka.clip(k.run + "-newer", 5, "bob", 8000, pcm)), true),
                    new Sent(k.run + "-newer-unlabeled", -1, -1, TrainerKafka.bytes(k.run + "-newer-unlabeled"),
                            asNewer.apply(TrainerKafka.clip(k.run + "-newer-unlabeled", null, "bob", 8000, pcm)), false))));

            TrainerKafka.await("/health down", Duration.ofSeconds(60), () -> !trainer.health().up());
            assertTrue(trainer.health().detail().contains("registry"), trainer.health().detail());
            Thread.sleep(5000); // a few retries
            assertFalse(trainer.health().up());
            assertEquals(1, trainer.status().storedClips());
            assertEquals(0, trainer.status().deadLetters());
            assertEquals(committedBefore, committed(admin, group), "no offset moved");
            assertEquals(0, k.deadLetters().size(), "an outage is not a dead letter");

            proxy.up();
            TrainerKafka.await("the clips after the outage", Duration.ofSeconds(90),
                    () -> trainer.status().storedClips() == 2 && trainer.status().deadLetters() == 1);
            TrainerKafka.await("/health up", Duration.ofSeconds(30), () -> trainer.health().up());
        }
        List<ConsumerRecord<String, DeadLetter>> dead = k.deadLetters();
        assertEquals(1, dead.size());
        assertEquals("no-label", dead.get(0).value().getReason());
        assertEachExactlyOnce(sent, state, dead);
    }

    /**
     * Bug 5: a stored clip that breaks a training (here: two that a version without input checks stored
     * with odd-length PCM, one of them with the record it came from) is dead-lettered once, with where it
     * came from, taken out of the store for good, and the training goes on with the rest.
     */
    @Test
    void aClipThatBreaksTrainingIsDeadLetteredOnceAndLeftOut(@TempDir Path state) throws Exception {
        TrainerKafka k = new TrainerKafka("training");
        // a store written by the version before checks: it holds a clip with odd-length PCM
        LabeledClipStoreTest.writeLegacy(state.resolve(LabeledClipStore.FILE),
                List.of(TrainerKafka.clip(k.run + "-legacy-odd", 1, "ann", 8000, new byte[1601])));
        List<LabeledClip> synthetic = SyntheticDigitsAccess.clips(2, OnlineTrainerOverKafkaTest.SPEAKERS, 3, k.run);
        List<Sent> records = new ArrayList<>();
        for (LabeledClip c : synthetic) {
            records.add(k.valid(c.name(), c.speaker(), c.label(), c.samples()));
        }
        records.add(k.invalid(k.run + "-odd", k.encode(TrainerKafka.clip(k.run + "-odd", 1, "ann", 8000, new byte[801]))));
        List<Sent> sent = k.publish(records);
        String poison = synthetic.get(7).name();
        Sent poisonRecord = sent.stream().filter(s -> s.name().equals(poison)).findFirst().orElseThrow();
        // that version read the poison record as odd-length PCM and stored it with its origin
        try (LabeledClipStore store = LabeledClipStore.open(state)) {
            store.add(TrainerKafka.clip(poison, synthetic.get(7).label(), synthetic.get(7).speaker(), 8000, new byte[1601]),
                    new LabeledClipStore.ClipOrigin(k.topic, poisonRecord.partition(), poisonRecord.offset(), 0,
                            poisonRecord.key(), dev.hark.audio.Digests.sha256(poisonRecord.key()),
                            poisonRecord.value().length, dev.hark.audio.Digests.sha256(poisonRecord.value())));
            store.sync();
        }

        TrainingOptions quick = TrainingOptions.defaults().withEpochs(2).withBatchSize(16).withThreads(2)
                .withChannels(new int[] {8, 16, 32}).withAugmentation(Augmentation.NONE);
        OnlineTrainer.Settings settings = k.settings(state, "training-" + k.run).withOptions(quick)
                .withRetrainEvery(synthetic.size() + 1).withMinClips(10).withHoldoutSpeakers(List.of("dan"));
        ModelRelease release;
        try (OnlineTrainer trainer = new OnlineTrainer(settings, k.registry)) {
            trainer.start();
            release = OnlineTrainerOverKafkaTest.awaitTraining(trainer, 1);
            assertEquals(2, trainer.status().excluded());
            assertEquals(synthetic.size() - 1, trainer.status().storedClips());
            TrainerKafka.await("the dead letters of the excluded clips", Duration.ofSeconds(60),
                    () -> trainer.status().deadLetters() == 3);
        }
        assertEquals(synthetic.size() - 1, release.getMetrics().get("labeled_clips"), 0.0, "trained on the rest");
        assertNotNull(release.getNotes().get("excluded"));

        // restarted: the store keeps them out and their dead letters are not written again
        try (OnlineTrainer trainer = new OnlineTrainer(settings, k.registry)) {
            trainer.start();
            Thread.sleep(3000);
            assertEquals(synthetic.size() - 1, trainer.status().storedClips());
            assertEquals(0, trainer.status().deadLetters());
            assertTrue(trainer.health().up(), trainer.health().detail());
        }
        List<ConsumerRecord<String, DeadLetter>> dead = k.deadLetters();
        assertEquals(3, dead.size(), reasons(dead));
        DeadLetter injected = one(dead, poison);
        assertEquals(OnlineTrainer.TRAINING_ERROR, injected.getReason());
        assertEquals(k.topic, injected.getTopic());
        assertEquals(poisonRecord.partition(), injected.getPartition());
        assertEquals(poisonRecord.offset(), injected.getOffset());
        assertEquals(poisonRecord.value().length, injected.getOriginalValueSize());
        assertEquals(dev.hark.audio.Digests.sha256(poisonRecord.value()), injected.getOriginalValueSha256());
        assertTrue(injected.getMessage().contains("input checks"), injected.getMessage());
        DeadLetter legacy = one(dead, k.run + "-legacy-odd");
        assertEquals(OnlineTrainer.TRAINING_ERROR, legacy.getReason());
        assertNull(legacy.getPartition(), "stored before origins were kept");
        assertEquals("truncated", one(dead, k.run + "-odd").getReason(), "refused when read, never stored");

        try (LabeledClipStore store = LabeledClipStore.open(state)) {
            assertFalse(stored(store, poison));
            assertFalse(stored(store, k.run + "-legacy-odd"));
            assertEquals(2, store.removalsAfter(0).size());
        }
        // the poison record is now a dead letter rather than a stored clip: still exactly one of them
        assertEachExactlyOnce(sent, state, dead);
    }

    /**
     * What a trainer that crashed between its store's sync and its commit leaves behind, made with the
     * trainer's own pieces: the next batch after the committed offsets taken into the store (synced), its
     * dead letters sent in a transaction of the group's transactional id that is never committed, and the
     * offsets not moved. Returns the producer, left open as a crash leaves it.
     */
    private static KafkaProducer<String, DeadLetter> crashBeforeCommit(TrainerKafka k, OnlineTrainer.Settings service)
            throws Exception {
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
        Properties c = service.cluster().clientProperties();
        c.put(ConsumerConfig.GROUP_ID_CONFIG, service.group());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(k.topic).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(parts);
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(parts));
            for (TopicPartition tp : parts) {
                if (committed.get(tp) == null) {
                    consumer.seekToBeginning(List.of(tp));
                } else {
                    consumer.seek(tp, committed.get(tp).offset());
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (batch.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(batch::add);
            }
        }
        assertFalse(batch.isEmpty(), "records after the committed offsets");
        Properties p = service.cluster().clientProperties();
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, DeadLetterTransactions.transactionalId(service.group()));
        KafkaProducer<String, DeadLetter> producer = new KafkaProducer<>(p, new StringSerializer(),
                new AvroSerializer<DeadLetter>(k.registry));
        producer.initTransactions();
        producer.beginTransaction();
        try (LabeledClipStore store = LabeledClipStore.open(service.stateDir())) {
            LabeledClipIntake intake = new LabeledClipIntake(k.registry, store);
            for (ConsumerRecord<byte[], byte[]> r : batch) {
                if (intake.take(r) instanceof LabeledClipIntake.Refused x) {
                    producer.send(new ProducerRecord<>(Topics.AUDIO_DLQ.name(), LabeledClipIntake.deadLetterKey(r),
                            LabeledClipIntake.deadLetter(OnlineTrainer.STAGE, r, x, 0)));
                }
            }
            store.sync();
        }
        producer.flush();
        return producer;
    }

    private static DeadLetter one(List<ConsumerRecord<String, DeadLetter>> dead, String clipIdOrKey) {
        List<DeadLetter> found = dead.stream().map(ConsumerRecord::value)
                .filter(d -> clipIdOrKey.equals(d.getClipId())).toList();
        if (found.isEmpty()) {
            found = dead.stream().filter(r -> clipIdOrKey.equals(r.key())).map(ConsumerRecord::value).toList();
        }
        assertEquals(1, found.size(), clipIdOrKey + ": " + reasons(dead));
        return found.get(0);
    }

    private static Sent rename(Sent s, String name) {
        return new Sent(name, s.partition(), s.offset(), s.key(), s.value(), s.valid());
    }

    private static void awaitAccounted(TrainerKafka k, OnlineTrainer t, List<Sent> sent) throws InterruptedException {
        long valid = sent.stream().filter(Sent::valid).count();
        long invalid = sent.size() - valid;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (t.status().storedClips() != valid || k.deadLetters().size() != invalid) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not every record accounted for: " + t.status() + ", dead letters "
                        + reasons(k.deadLetters()));
            }
            Thread.sleep(300);
        }
    }

    private static long committed(Admin admin, String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        return offsets.values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
    }

    private static String reasons(List<ConsumerRecord<String, DeadLetter>> dead) {
        return dead.stream().map(r -> r.key() + "=" + r.value().getReason() + "@" + r.value().getPartition() + ":"
                + r.value().getOffset()).toList().toString();
    }

    /**
     * Every published record is exactly one stored clip (by the origin the store keeps) or exactly one
     * dead letter (by the partition and offset it names); valid ones are stored unless a training excluded
     * them, and nothing else is in either.
     */
    static void assertEachExactlyOnce(List<Sent> sent, Path state, List<ConsumerRecord<String, DeadLetter>> dead)
            throws Exception {
        Map<String, Integer> stored = new HashMap<>();
        Map<String, Integer> lettered = new HashMap<>();
        try (LabeledClipStore store = LabeledClipStore.open(state)) {
            for (LabeledClipStore.StoredClip c : store.entries()) {
                if (c.origin() != null) {
                    stored.merge(c.origin().partition() + "@" + c.origin().offset(), 1, Integer::sum);
                }
            }
        }
        for (ConsumerRecord<String, DeadLetter> r : dead) {
            if (r.value().getPartition() != null) {
                lettered.merge(r.value().getPartition() + "@" + r.value().getOffset(), 1, Integer::sum);
            }
        }
        for (Sent s : sent) {
            int st = stored.getOrDefault(s.where(), 0);
            int dl = lettered.getOrDefault(s.where(), 0);
            assertEquals(1, st + dl, s.name() + " at " + s.where() + ": stored " + st + " times, dead-lettered " + dl + " times");
            if (!s.valid()) {
                assertEquals(1, dl, s.name() + " is invalid: a dead letter, not a stored clip");
            }
        }
        assertEquals(sent.size(), stored.size() + lettered.size(), "nothing but the inputs is stored or dead-lettered");
    }

    static boolean stored(LabeledClipStore store, String clipId) {
        return store.entries().stream().anyMatch(e -> e.clipId().equals(clipId));
    }
}
