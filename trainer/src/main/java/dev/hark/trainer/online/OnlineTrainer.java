package dev.hark.trainer.online;

import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.avro.ModelRelease;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.ModelPublisher;
import dev.hark.kafka.ModelsTopic;
import dev.hark.model.ModelCatalog;
import dev.hark.kafka.Service;
import dev.hark.schemas.Topics;
import dev.hark.schemas.input.InputChecks;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroSerializer;
import dev.hark.telemetry.HarkMeters;
import dev.hark.telemetry.Metrics;
import dev.hark.telemetry.MetricsServer;
import dev.hark.trainer.Holdout;
import dev.hark.trainer.NotEnoughDataException;
import dev.hark.trainer.TrainingRun;
import dev.hark.trainer.data.Dataset;
import dev.hark.trainer.data.LabeledClip;
import dev.hark.trainer.model.EpochStats;
import dev.hark.trainer.model.TrainingListener;
import dev.hark.trainer.model.TrainingOptions;
import dev.hark.trainer.online.LabeledClipIntake.Duplicate;
import dev.hark.trainer.online.LabeledClipIntake.Outcome;
import dev.hark.trainer.online.LabeledClipIntake.Refused;
import dev.hark.trainer.online.LabeledClipIntake.Stored;
import dev.hark.trainer.online.LabeledClipStore.Removal;
import dev.hark.trainer.online.LabeledClipStore.StoredClip;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The online trainer: the loop that consumes {@code audio.clips.labeled} into a durable local store
 * ({@link LabeledClipIntake}, {@link LabeledClipStore}), retrains when its {@link RetrainPolicy} says so (or
 * when {@link #retrain} is called), and publishes every candidate to {@code models}. A training is one {@link TrainingRun}
 * (split by the one {@link Holdout} rule, train, export, parity, evaluation) on the stored clips a training
 * can use ({@link TrainingClips}); the champion is evaluated on the same held-out clips and the candidate
 * is marked champion only when it is not worse ({@link PromotionGate}, {@link CandidateRelease}). The
 * release carries both accuracies.
 *
 * <p>Restarts continue: the store and the consumer offsets (committed only after the store is synced)
 * survive, and {@link TrainerStateFile} remembers how many clips the last training saw, so a restart
 * neither re-reads the topic nor retrains from nothing.
 *
 * <h2>No poison pills</h2>
 * Every record read ends as exactly one stored clip or exactly one dead letter on {@code audio.dlq},
 * and no record stops the trainer:
 * <ul>
 *   <li>{@link LabeledClipIntake} decides, record by record: a tombstone, bytes that are not Avro, another
 *       schema, an unknown schema id, or a clip that fails {@link InputChecks#labeledClip} is refused
 *       (never stored) with the reason its dead letter carries.</li>
 *   <li><b>Exactly one dead letter, across crashes and restarts.</b> With {@link Settings#deadLetters()}
 *       on (the trainer service, group {@value #GROUP}), the store is synced after each polled batch,
 *       then the batch's dead letters and the consumer offsets past it are committed <em>in one Kafka
 *       transaction</em> ({@link DeadLetterTransactions}: its {@code transactional.id} is fixed per group, so
 *       a restarted trainer fences the one before it and aborts what that left open). A crash before the commit aborts the dead letters and leaves
 *       the offsets where they were: the batch is read again, its clips are recognised as already stored
 *       (same topic, partition and offset) and its dead letters are written again, once. Every send is
 *       checked before the commit, so a dead letter that could not be written fails the batch instead
 *       of vanishing. Consumers of {@code audio.dlq} must read with {@code isolation.level=read_committed}.</li>
 *   <li>{@code hark train --online} reads the topic with a throwaway group and its own store: it turns
 *       dead letters off ({@link Settings#withDeadLetters}), only counts what it refuses and says the
 *       service dead-letters those, so running it never writes a second dead letter for anything.</li>
 *   <li>Trouble that is not a record's (the registry down or erroring, a broker away, a full disk) never
 *       dead-letters anything: the batch is given back (its transaction aborted, the consumer rewound)
 *       and the loop tries again after a pause that doubles from 1 s to 30 s, with {@code /health} down
 *       and saying why until it gets going again.</li>
 *   <li>A stored clip that breaks a training (its features or resampling throw, or it was stored by an
 *       older version without today's checks) is taken out of the store for good, with a removal entry
 *       numbered 1, 2, ..., and dead-lettered ({@code training-error}, naming the topic, partition and
 *       offset it came from); the training goes on with the rest. The number of the last removal
 *       dead-lettered travels in the committed offsets' metadata, written in the same transaction as
 *       those dead letters, so a removal is dead-lettered once even if the trainer dies in between.</li>
 *   <li>A training that fails for another reason (DJL, the ONNX check, {@code models} unreachable) is
 *       retried after a pause that doubles from 1 to 30 minutes, while consuming goes on.</li>
 * </ul>
 */
public final class OnlineTrainer implements Service {

    private static final Logger LOG = LoggerFactory.getLogger(OnlineTrainer.class);
    public static final String STAGE = "trainer";
    public static final String GROUP = "hark-trainer";
    /** The reason of the dead letter of a stored clip that broke a training. */
    public static final String TRAINING_ERROR = "training-error";
    static final long MAX_BACKOFF_MS = 30_000;
    private static final Pattern REMOVALS = Pattern.compile("store=([^;]*);dead-lettered-removals=(\\d+)");

    /**
     * @param retrainEvery retrain after this many new labeled clips
     * @param minClips     never train on fewer clips than this
     * @param holdout      which clips judge a candidate and the champion ({@link Holdout}; by default a fifth
     *                     of the speakers, by hash of the name)
     * @param group        the consumer group whose committed offsets say what is already stored
     * @param deadLetters  whether refused records and clips that break training are written to
     *                     {@code audio.dlq} (transactionally, once each); off for a one-off reader of the
     *                     topic such as {@code hark train --online}, which only counts them, since the
     *                     trainer service dead-letters them
     * @param labeledTopic the topic of labeled clips ({@code audio.clips.labeled}; another one for tests)
     */
    public record Settings(ClusterConfig cluster, Path stateDir, int retrainEvery, int minClips, FeatureSpec spec,
                           TrainingOptions options, Holdout holdout, String group, boolean deadLetters,
                           String labeledTopic) {

        public static Settings defaults(ClusterConfig cluster, Path stateDir) {
            return new Settings(cluster, stateDir, 500, 200, FeatureSpec.defaults(), TrainingOptions.defaults(),
                    Holdout.automatic(), GROUP, true, Topics.AUDIO_CLIPS_LABELED.name());
        }

        public Settings withGroup(String g) {
            return new Settings(cluster, stateDir, retrainEvery, minClips, spec, options, holdout, g, deadLetters,
                    labeledTopic);
        }

        public Settings withRetrainEvery(int n) {
            return new Settings(cluster, stateDir, n, minClips, spec, options, holdout, group, deadLetters, labeledTopic);
        }

        public Settings withMinClips(int n) {
            return new Settings(cluster, stateDir, retrainEvery, n, spec, options, holdout, group, deadLetters,
                    labeledTopic);
        }

        public Settings withOptions(TrainingOptions o) {
            return new Settings(cluster, stateDir, retrainEvery, minClips, spec, o, holdout, group, deadLetters,
                    labeledTopic);
        }

        /** Evaluates on these speakers, never trained on (none: the automatic {@link Holdout}). */
        public Settings withHoldoutSpeakers(List<String> s) {
            return new Settings(cluster, stateDir, retrainEvery, minClips, spec, options, Holdout.ofSpeakers(s), group,
                    deadLetters, labeledTopic);
        }

        /** Evaluates on this fraction of every speaker's clips and trains on every speaker (a closed set of users). */
        public Settings withHoldoutClips(double fraction) {
            return new Settings(cluster, stateDir, retrainEvery, minClips, spec, options, Holdout.ofClips(fraction), group,
                    deadLetters, labeledTopic);
        }

        /** Off: refused records are counted, not dead-lettered (for one-off readers; the service dead-letters them). */
        public Settings withDeadLetters(boolean on) {
            return new Settings(cluster, stateDir, retrainEvery, minClips, spec, options, holdout, group, on, labeledTopic);
        }
    }

    /**
     * Counters for status and metrics, since this trainer was made.
     *
     * @param consumed    records read (a batch read again after it was given back counts again)
     * @param duplicates  records with the id of a clip already stored
     * @param deadLetters dead letters written (committed): refused records and excluded clips
     * @param invalid     records refused: dead-lettered, or with dead letters off only counted
     * @param excluded    stored clips taken out of the set because a training could not use them
     */
    public record Status(int storedClips, int consumed, int duplicates, int deadLetters, int clipsAtLastTraining,
                         int trainings, Optional<ModelRelease> lastRelease, String state, int invalid, int excluded) {}

    private final Settings settings;
    private final SchemaRegistryClient registry;
    private final LabeledClipStore store;
    private final LabeledClipIntake intake;
    private final TrainerStateFile stateFile;
    private final RetrainPolicy policy;
    private final KafkaConsumer<byte[], byte[]> consumer;
    /** Null with dead letters off. */
    private final DeadLetterTransactions transactions;
    private final ModelPublisher models;
    private final AtomicBoolean running = new AtomicBoolean();
    /** Set by close: a training in progress gives up at its next step rather than holding the shutdown. */
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Thread thread;
    private volatile String state = "idle";
    /** Why the loop is not getting on (it is retrying), or null: {@code /health} is down while this is set. */
    private volatile String trouble;
    private volatile ModelRelease lastRelease;
    private boolean assigned;
    private boolean registryPrepared;
    /** The last removal whose dead letter is committed (from the offsets' metadata). */
    private long deadLetteredRemovals;
    private volatile int consumed;
    private volatile int deadLetters;
    private volatile int invalid;
    private volatile int excluded;
    private volatile int trainings;
    private volatile int clipsAtLastTraining;
    private volatile int epoch;
    private volatile int epochs;
    private volatile double lastLoss = Double.NaN;
    private final List<AutoCloseable> meters = new ArrayList<>();

    public OnlineTrainer(Settings settings, SchemaRegistryClient registry) throws IOException {
        this.settings = settings;
        this.registry = registry;
        this.store = LabeledClipStore.open(settings.stateDir());
        this.intake = new LabeledClipIntake(registry, store);
        this.stateFile = new TrainerStateFile(settings.stateDir());
        this.clipsAtLastTraining = stateFile.clipsAtLastTraining();
        this.policy = new RetrainPolicy(settings.retrainEvery(), settings.minClips());
        Properties c = settings.cluster().clientProperties();
        c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.transactions = settings.deadLetters()
                ? new DeadLetterTransactions(settings.cluster(), registry, settings.group()) : null;
        this.models = new ModelPublisher(settings.cluster(), registry);
        this.epochs = settings.options().epochs();
        registerMetrics();
    }

    /** Progress gauges and the consumer's Kafka metrics, in the process-wide registry until close. */
    private void registerMetrics() {
        meters.add(Metrics.global().kafka(consumer));
        meters.add(HarkMeters.TRAINER_LABELED_CLIPS.set(store::size));
        meters.add(HarkMeters.TRAINER_TRAININGS.set(() -> trainings));
        meters.add(HarkMeters.TRAINER_TRAINING.set(() -> state.startsWith("training") ? 1 : 0));
        meters.add(HarkMeters.TRAINER_EPOCH.set(() -> epoch));
        meters.add(HarkMeters.TRAINER_EPOCHS.set(() -> epochs));
        meters.add(HarkMeters.TRAINER_LAST_LOSS.set(() -> lastLoss));
        meters.add(HarkMeters.TRAINER_LAST_VERSION.set(() -> lastRelease == null ? -1 : lastRelease.getVersion()));
        meters.add(HarkMeters.TRAINER_LAST_ACCURACY.set(() -> lastRelease == null || lastRelease.getCandidateAccuracy() == null
                ? Double.NaN : lastRelease.getCandidateAccuracy()));
    }

    /**
     * {@code /health}: up while the consume-and-train loop runs and gets on (training counts as up; a
     * failed training, retried later, does not take it down). Down while it retries after trouble that is
     * not a record's (registry, broker, disk), with the reason, and when it is not running.
     */
    @Override
    public MetricsServer.Check health() {
        Thread t = thread;
        String why = trouble;
        boolean up = t != null && t.isAlive() && why == null && !state.startsWith("failed");
        String detail = (why != null ? why : state) + ", " + store.size() + " labeled clips, " + trainings + " trainings"
                + (invalid > 0 ? ", " + invalid + " invalid records " + (settings.deadLetters() ? "dead-lettered" : "skipped") : "")
                + (excluded > 0 ? ", " + excluded + " clips excluded from training" : "");
        return new MetricsServer.Check(up, detail);
    }

    public Status status() {
        String why = trouble;
        return new Status(store.size(), consumed, store.duplicates(), deadLetters, clipsAtLastTraining, trainings,
                Optional.ofNullable(lastRelease), why != null ? why : state, invalid, excluded);
    }

    /** Consumes and retrains on a thread of its own until {@link #close}. */
    @Override
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        running.set(true);
        thread = new Thread(this::loop, "hark-online-trainer");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        long backoffMs = 0;
        try {
            while (running.get()) {
                try {
                    ensureReady();
                    // take in everything already published before deciding: a replay of 2,500 clips should
                    // give one training on all of them, not one per poll
                    long drainUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    int read = ingest(Duration.ofMillis(500));
                    while (read > 0 && running.get() && System.nanoTime() < drainUntil) {
                        read = ingest(Duration.ofMillis(200));
                    }
                    if (trouble != null) {
                        LOG.info("online trainer going again (was: {})", trouble);
                        trouble = null;
                    }
                    backoffMs = 0;
                    maybeRetrain();
                } catch (WakeupException | CancellationException e) {
                    // close() woke the consumer or cancelled a training: the loop condition ends it
                } catch (RuntimeException e) {
                    if (!running.get()) {
                        break;
                    }
                    // Not a record's fault (a record never throws out of the intake): the registry, a broker,
                    // the disk. The batch was given back; nothing was dead-lettered for it.
                    backoffMs = backoffMs == 0 ? 1_000 : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
                    String first = trouble;
                    trouble = String.format(Locale.ROOT, "retrying in %d s: %s", backoffMs / 1000, describe(e));
                    if (first == null) {
                        LOG.error("online trainer: {} (no offset moves and nothing is dead-lettered until it gets "
                                + "through)", trouble, e);
                    } else {
                        LOG.warn("online trainer: {}", trouble);
                    }
                    pause(backoffMs);
                }
            }
        } catch (Error e) {
            state = "failed: " + e;
            LOG.error("online trainer stopped: {}", e.toString(), e);
            throw e;
        }
        state = "stopped";
    }

    private void maybeRetrain() {
        int fresh = policy.due(store.size(), clipsAtLastTraining, System.currentTimeMillis());
        if (fresh < 0) {
            return;
        }
        try {
            retrain(fresh + " new labeled clips");
            policy.trained();
        } catch (NotEnoughDataException e) {
            // e.g. one speaker only: try again when as many new clips have arrived
            policy.notEnoughData(store.size());
            state = "waiting: " + e.getMessage();
            LOG.warn("no model trained: {}", e.getMessage());
        } catch (CancellationException e) {
            throw e;
        } catch (RuntimeException e) {
            if (!running.get()) {
                return;
            }
            // Not a clip's fault (clips that break training are taken out and training goes on without
            // them): DJL, the ONNX check, the models topic. Consuming goes on; training is tried again later.
            long pause = policy.failed(System.currentTimeMillis());
            state = String.format(Locale.ROOT, "training failed, next attempt in %d min: %s", pause / 60_000, describe(e));
            LOG.error("online trainer: {}", state, e);
        }
    }

    /**
     * Whatever the loop needs before it reads: the dead-letter producer (which fences an earlier trainer of
     * this group first, so that the committed offsets read next are final), the partitions (seeked to the
     * committed offsets), the registry (the dead-letter schema registered and the labeled topic's schemas
     * fetched, so both work through a registry outage), and the dead letters of removals not written yet.
     * Each step that fails throws, and is tried again.
     */
    private void ensureReady() {
        if (transactions != null) {
            transactions.ensureProducer();
        }
        if (!assigned) {
            assignAll();
        }
        if (!registryPrepared) {
            if (transactions != null) {
                transactions.preregister();
            }
            registry.preload(AvroSerializer.subject(settings.labeledTopic(), false));
            registryPrepared = true;
        }
        if (transactions != null && store.lastRemovalSeq() > deadLetteredRemovals) {
            deadLetterRemovals();
        }
    }

    private void assignAll() {
        String topic = settings.labeledTopic();
        List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        if (parts.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist (yet)");
        }
        // Standalone assignment: no group rebalances while a training takes minutes; offsets still committed to the group.
        consumer.assign(parts);
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(parts));
        long removals = 0;
        for (TopicPartition tp : parts) {
            OffsetAndMetadata om = committed.get(tp);
            if (om == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, om.offset());
                removals = Math.max(removals, deadLetteredRemovals(om.metadata()));
            }
        }
        deadLetteredRemovals = removals;
        assigned = true;
    }

    /** The offsets' metadata: this store's id and the last removal dead-lettered. */
    private String metadata(long removals) {
        return "store=" + store.id() + ";dead-lettered-removals=" + removals;
    }

    /** The last removal dead-lettered, from the offsets' metadata, when it is this store's (0 otherwise). */
    private long deadLetteredRemovals(String metadata) {
        Matcher m = metadata == null ? null : REMOVALS.matcher(metadata);
        if (m == null || !m.find() || !m.group(1).equals(store.id())) {
            return 0;
        }
        return Long.parseLong(m.group(2));
    }

    /**
     * Reads what is there now into the store (one poll) and returns how many records were read. Each
     * record becomes a stored clip or a dead letter; with dead letters on, the batch's dead letters and
     * offsets are one transaction (see the class comment). Throws, with the consumer rewound to the start
     * of the batch and nothing committed, when anything that is not a record's fault fails.
     */
    public int ingest(Duration poll) {
        ensureReady();
        ConsumerRecords<byte[], byte[]> records = consumer.poll(poll);
        if (records.isEmpty()) {
            return 0;
        }
        int dups = 0;
        int refused = 0;
        List<DeadLetterTransactions.Letter> letters = new ArrayList<>();
        try {
            long now = System.currentTimeMillis();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                Outcome o = intake.take(r);
                if (o instanceof Stored) {
                    HarkMeters.CLIPS.inc(STAGE);
                } else if (o instanceof Duplicate) {
                    dups++;
                } else if (o instanceof Refused x) {
                    refused++;
                    LOG.warn("{} {}-{}@{}: {}: {}", transactions != null ? "dead letter" : "invalid record (not dead-lettered here)",
                            r.topic(), r.partition(), r.offset(), x.reason(), x.message());
                    if (transactions != null) {
                        letters.add(new DeadLetterTransactions.Letter(LabeledClipIntake.deadLetterKey(r),
                                LabeledClipIntake.deadLetter(STAGE, r, x, now)));
                    }
                }
            }
            store.sync();
            Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
            for (TopicPartition tp : records.partitions()) {
                var list = records.records(tp);
                next.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1, metadata(deadLetteredRemovals)));
            }
            if (transactions != null) {
                transactions.commit(letters, next, consumer.groupMetadata());
            } else {
                consumer.commitSync(next);
            }
        } catch (IOException | RuntimeException e) {
            giveBack(records);
            throw e instanceof IOException io
                    ? new UncheckedIOException("cannot write the labeled-clip store " + store.file(), io)
                    : (RuntimeException) e;
        }
        consumed += records.count();
        invalid += refused;
        if (transactions != null) {
            deadLetters += refused;
        }
        if (dups > 0) {
            LOG.debug("{} duplicate clip ids in this batch", dups);
        }
        return records.count();
    }

    /**
     * After a failed batch: back to its first record in each partition, and the next {@link #ensureReady}
     * seeks to the committed offsets again. Those are the truth even when the failure left it unclear
     * whether the commit went through (a commit that timed out): the consumer of a read_committed group
     * waits for a pending transaction's offsets.
     */
    private void giveBack(ConsumerRecords<byte[], byte[]> records) {
        assigned = false;
        for (TopicPartition tp : records.partitions()) {
            consumer.seek(tp, records.records(tp).get(0).offset());
        }
    }

    /**
     * Dead-letters the removals after the last one done, in one transaction that also moves the last
     * one done (in the offsets' metadata, at the offsets where the consumer stands: everything before
     * them is processed and committed).
     */
    private void deadLetterRemovals() {
        List<Removal> pending = store.removalsAfter(deadLetteredRemovals);
        if (pending.isEmpty()) {
            return;
        }
        long upTo = pending.get(pending.size() - 1).seq();
        Map<TopicPartition, OffsetAndMetadata> here = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            here.put(tp, new OffsetAndMetadata(consumer.position(tp), metadata(upTo)));
        }
        long now = System.currentTimeMillis();
        List<DeadLetterTransactions.Letter> letters = pending.stream().map(r -> new DeadLetterTransactions.Letter(
                LabeledClipIntake.removalKey(r), LabeledClipIntake.removalDeadLetter(STAGE, settings.labeledTopic(), r, now)))
                .toList();
        try {
            transactions.commit(letters, here, consumer.groupMetadata());
        } catch (RuntimeException e) {
            assigned = false; // and the metadata is read again with the offsets
            throw e;
        }
        deadLetteredRemovals = upTo;
        deadLetters += pending.size();
        LOG.info("dead-lettered {} clip(s) taken out of the labeled set", pending.size());
    }

    /**
     * Ingests until caught up with the end of the topic (or the timeout). Trouble that is not a record's
     * (the registry or a broker away) is retried with a pause until the timeout.
     */
    public void catchUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long backoffMs = 0;
        while (true) {
            try {
                ensureReady();
                Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
                while (consumer.assignment().stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                    if (System.nanoTime() > deadline) {
                        throw new TimedOut("timed out reading " + settings.labeledTopic());
                    }
                    ingest(Duration.ofMillis(200));
                }
                return;
            } catch (TimedOut | WakeupException e) {
                throw e;
            } catch (RuntimeException e) {
                backoffMs = backoffMs == 0 ? 1_000 : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
                if (System.nanoTime() + backoffMs * 1_000_000 > deadline) {
                    throw new IllegalStateException("could not read " + settings.labeledTopic() + ": " + describe(e), e);
                }
                LOG.warn("reading {}: retrying in {} s: {}", settings.labeledTopic(), backoffMs / 1000, describe(e));
                pause(backoffMs);
            }
        }
    }

    private static final class TimedOut extends IllegalStateException {
        TimedOut(String message) {
            super(message);
        }
    }

    /**
     * Trains a candidate on the stored clips, evaluates it and the champion on the held-out ones, and
     * publishes the release. Runs on the caller's thread.
     *
     * @throws NotEnoughDataException when there are too few clips, or the holdout leaves nothing to train or
     *                                to evaluate on
     */
    public synchronized ModelRelease retrain(String why) {
        return retrain(why, TrainingListener.NONE);
    }

    /** {@link #retrain(String)} reporting training progress to {@code progress}. */
    public synchronized ModelRelease retrain(String why, TrainingListener progress) {
        try {
            return train(why, progress);
        } catch (RuntimeException e) {
            if (state.startsWith("training")) {
                state = "idle";
            }
            throw e;
        }
    }

    private ModelRelease train(String why, TrainingListener progress) {
        List<StoredClip> stored = store.entries();
        int needed = Math.max(2, settings.minClips());
        if (stored.size() < needed) {
            throw new NotEnoughDataException("only " + stored.size() + " labeled clips; training needs at least " + needed);
        }
        state = "training";
        epoch = 0;
        long start = System.nanoTime();
        TrainingRun run = new TrainingRun(settings.spec(), settings.options());
        TrainingClips usable = TrainingClips.of(stored, settings.spec().sampleRate(), run);
        if (!usable.broken().isEmpty()) {
            exclude(usable.broken());
        }
        if (usable.clips().size() < needed) {
            throw new NotEnoughDataException("only " + usable.clips().size() + " labeled clips can be trained on; "
                    + "training needs at least " + needed);
        }
        Dataset data = new Dataset(DatasetFiles.Layout.TOPIC, usable.clips(), List.of());
        Holdout.Split split = settings.holdout().split(data);
        LOG.info("retraining ({}): {} clips, {} speakers; evaluating on {} ({} clips)", why, data.clips().size(),
                data.speakers().size(), split.description(), split.evaluation().length);
        ModelCatalog catalog = new ModelCatalog(ModelsTopic.read(settings.cluster(), registry, Duration.ofSeconds(30)));
        Optional<ModelRelease> champion = catalog.champion();
        int version = catalog.latestVersion() + 1;
        TrainingRun.Result result = run.run(data, usable.features(), split, version, progressOf(version, progress));
        Double championAccuracy = championAccuracy(champion, run, result.evaluationClips());
        ModelRelease release = CandidateRelease.of(version, result, settings.holdout(), champion, championAccuracy, why,
                settings.options(), settings.spec(), data.speakers(), data.clips().size(), usable.broken().size(),
                (System.nanoTime() - start) / 1e9);
        models.publish(release);
        clipsAtLastTraining = data.clips().size();
        stateFile.write(clipsAtLastTraining);
        trainings++;
        lastRelease = release;
        state = "idle";
        LOG.info("published model v{} ({}): accuracy {} on {} vs champion {}", version, release.getNotes().get("decision"),
                String.format(Locale.ROOT, "%.4f", release.getCandidateAccuracy()), split.description(), championAccuracy);
        return release;
    }

    /** Passes progress on, keeps the gauges and the state current, and gives up when the trainer is stopping. */
    private TrainingListener progressOf(int version, TrainingListener progress) {
        return new TrainingListener() {
            @Override
            public void stage(String what) {
                progress.stage(what);
            }

            @Override
            public void onStep(int e, int step, int steps, double runningLoss) {
                if (stopping.get()) {
                    throw new CancellationException("the trainer is stopping");
                }
                progress.onStep(e, step, steps, runningLoss);
            }

            @Override
            public void onEpoch(EpochStats s) {
                progress.onEpoch(s);
                epoch = s.epoch();
                epochs = s.epochs();
                lastLoss = s.trainLoss();
                state = String.format(Locale.ROOT, "training v%d: epoch %d/%d, loss %.4f", version, s.epoch(), s.epochs(),
                        s.trainLoss());
            }
        };
    }

    /** The champion's accuracy on the candidate's held-out clips; null when there is none, or it reads other features. */
    private Double championAccuracy(Optional<ModelRelease> champion, TrainingRun run, List<LabeledClip> evaluationClips) {
        if (champion.isEmpty()) {
            return null;
        }
        ModelRelease c = champion.get();
        if (!c.getFeatureConfigId().equals(settings.spec().id())) {
            LOG.warn("champion v{} uses features {}, not {}: it cannot be evaluated on the same inputs; the "
                    + "candidate is compared with nothing", c.getVersion(), c.getFeatureConfigId(), settings.spec().id());
            return null;
        }
        return run.score(c.getOnnx().duplicate().array(), evaluationClips).evaluation().accuracy();
    }

    /** Takes the clips out of the store (durably), then dead-letters them (now, or at the loop's next turn). */
    private void exclude(Map<String, String> broken) {
        try {
            for (Map.Entry<String, String> b : broken.entrySet()) {
                Removal r = store.remove(b.getKey(), TRAINING_ERROR, "stored clip " + InputChecks.abbreviate(b.getKey())
                        + " could not be trained on and is taken out of the labeled set: " + b.getValue());
                LOG.warn("excluded clip {} ({}) from training: {}", InputChecks.abbreviate(b.getKey()),
                        r.origin() == null ? "origin unknown" : r.origin().where(), b.getValue());
            }
            store.sync();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the labeled-clip store " + store.file(), e);
        }
        excluded += broken.size();
        Thread loop = thread;
        if (transactions != null && (loop == null || loop == Thread.currentThread())) {
            try {
                ensureReady(); // writes the removals' dead letters
            } catch (RuntimeException e) {
                LOG.warn("the dead letters of excluded clips are written later: {}", describe(e));
            }
        }
        // else: the loop writes them at its next turn (the consumer is its alone)
    }

    /** Sleeps, or less when close() is called. */
    private void pause(long ms) {
        try {
            stopped.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String s = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        if (root != e && (e.getMessage() == null || root.getMessage() == null || !e.getMessage().contains(root.getMessage()))) {
            s += " (" + root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage()) + ")";
        }
        return s;
    }

    @Override
    public String name() {
        return "trainer";
    }

    @Override
    public void stop() {
        running.set(false);
        stopping.set(true);
        stopped.countDown();
        Thread t = thread;
        if (t != null) {
            consumer.wakeup();
            try {
                t.join(Duration.ofSeconds(30).toMillis()); // a training step in progress ends first
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            consumer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.debug("consumer close: {}", e.getMessage());
        }
        if (transactions != null) {
            transactions.close(); // an open transaction is aborted
        }
        models.close();
        for (AutoCloseable m : meters) {
            try {
                m.close();
            } catch (Exception e) {
                LOG.debug("metrics: {}", e.getMessage());
            }
        }
        try {
            store.close();
        } catch (IOException e) {
            LOG.warn("closing the store: {}", e.getMessage());
        }
    }
}
