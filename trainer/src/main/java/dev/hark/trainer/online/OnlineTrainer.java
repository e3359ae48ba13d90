package dev.hark.trainer.online;

import dev.hark.schemas.FeatureConfigs;

import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.avro.ModelRelease;
import dev.hark.model.inference.DigitModel;
import dev.hark.audio.Audio;
import dev.hark.audio.Pcm16;
import dev.hark.audio.Resampler;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dsp.LogMelExtractor;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.Service;
import dev.hark.kafka.DeadLetters;
import dev.hark.schemas.Topics;
import dev.hark.schemas.input.InputChecks;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroSerializer;
import dev.hark.telemetry.HarkMeters;
import dev.hark.telemetry.Metrics;
import dev.hark.telemetry.MetricsServer;
import dev.hark.trainer.data.LabeledClip;
import dev.hark.trainer.eval.Evaluation;
import dev.hark.trainer.eval.ModelEvaluator;
import dev.hark.trainer.export.OnnxExport;
import dev.hark.trainer.model.CnnTrainer;
import dev.hark.trainer.model.TrainedModel;
import dev.hark.trainer.model.TrainingListener;
import dev.hark.trainer.model.TrainingOptions;
import dev.hark.trainer.online.LabeledClipIntake.AlreadyStored;
import dev.hark.trainer.online.LabeledClipIntake.Duplicate;
import dev.hark.trainer.online.LabeledClipIntake.Outcome;
import dev.hark.trainer.online.LabeledClipIntake.Refused;
import dev.hark.trainer.online.LabeledClipIntake.Stored;
import dev.hark.trainer.online.LabeledClipStore.ClipOrigin;
import dev.hark.trainer.online.LabeledClipStore.Removal;
import dev.hark.trainer.online.LabeledClipStore.StoredClip;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * The online trainer: consumes {@code audio.clips.labeled} into a durable local store, retrains when
 * {@code retrainEvery} new clips have arrived (or when asked), evaluates the candidate and the current
 * champion on the same held-out speakers, and publishes every candidate to {@code models}, marked
 * champion only when it is not worse. The release carries both accuracies.
 *
 * <p>Restarts continue: the store and the consumer offsets (committed only after the store is synced)
 * survive, and {@code trainer-state.json} remembers how many clips the last training saw, so a restart
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
 *       on (the trainer service, group {@value #GROUP}), each polled batch is one Kafka transaction: its
 *       dead letters are sent with a transactional producer (its {@code transactional.id} is fixed per
 *       group, so a restarted trainer fences the one before it and aborts what that left open), the store
 *       is synced, and the consumer offsets past the batch are committed <em>in the same transaction</em>
 *       ({@code sendOffsetsToTransaction}). A crash before the commit aborts the dead letters and leaves
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
    static final long MIN_TRAINING_BACKOFF_MS = 60_000;
    static final long MAX_TRAINING_BACKOFF_MS = 30 * 60_000;
    private static final Pattern REMOVALS = Pattern.compile("store=([^;]*);dead-lettered-removals=(\\d+)");

    /**
     * @param retrainEvery    retrain after this many new labeled clips
     * @param minClips        never train on fewer clips than this
     * @param holdoutSpeakers speakers the promotion gate evaluates on, never trained on (empty: a fifth of
     *                        the speakers, by hash of the name)
     * @param holdoutClips    when above 0, the gate evaluates instead on this fraction of every speaker's
     *                        clips (by hash of the clip id) and every speaker is trained on: for a closed
     *                        set of users (the demo), where new speakers are not the question
     * @param group           the consumer group whose committed offsets say what is already stored
     * @param deadLetters     whether refused records and clips that break training are written to
     *                        {@code audio.dlq} (transactionally, once each); off for a one-off reader of the
     *                        topic such as {@code hark train --online}, which only counts them, since the
     *                        trainer service dead-letters them
     * @param labeledTopic    the topic of labeled clips ({@code audio.clips.labeled}; another one for tests)
     */
    public record Settings(ClusterConfig cluster, Path stateDir, int retrainEvery, int minClips, FeatureSpec spec,
                           TrainingOptions options, List<String> holdoutSpeakers, double holdoutClips, String group,
                           boolean deadLetters, String labeledTopic) {

        public static Settings defaults(ClusterConfig cluster, Path stateDir) {
            return new Settings(cluster, stateDir, 500, 200, FeatureSpec.defaults(),
                    TrainingOptions.defaults(), List.of(), 0, GROUP, true, Topics.AUDIO_CLIPS_LABELED.name());
        }

        public Settings withGroup(String g) {
            return new Settings(cluster, stateDir, retrainEvery, minClips, spec, options, holdoutSpeakers, holdoutClips, g,
                    deadLetters, labeledTopic);
        }

        public Settings withRetrainEvery(int n) {
            return new Settings(cluster, stateDir, n, minClips, spec, options, holdoutSpeakers, holdoutClips, group,
                    deadLetters, labeledTopic);
        }

        public Settings withMinClips(int n) {
            return new Settings(cluster, stateDir, retrainEvery, n, spec, options, holdoutSpeakers, holdoutClips, group,
                    deadLetters, labeledTopic);
        }

        public Settings withOptions(TrainingOptions o) {
            return new Settings(cluster, stateDir, retrainEvery, minClips, spec, o, holdoutSpeakers, holdoutClips, group,
                    deadLetters, labeledTopic);
        }

        public Settings withHoldoutSpeakers(List<String> s) {
            return new Settings(cluster, stateDir, retrainEvery, minClips, spec, options, List.copyOf(s), 0, group,
                    deadLetters, labeledTopic);
        }

        public Settings withHoldoutClips(double fraction) {
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException("the held-out fraction of clips must be between 0 and 1, not " + fraction);
            }
            return new Settings(cluster, stateDir, retrainEvery, minClips, spec, options, List.of(), fraction, group,
                    deadLetters, labeledTopic);
        }

        /** Off: refused records are counted, not dead-lettered (for one-off readers; the service dead-letters them). */
        public Settings withDeadLetters(boolean on) {
            return new Settings(cluster, stateDir, retrainEvery, minClips, spec, options, holdoutSpeakers, holdoutClips,
                    group, on, labeledTopic);
        }

        public Settings withLabeledTopic(String topic) {
            return new Settings(cluster, stateDir, retrainEvery, minClips, spec, options, holdoutSpeakers, holdoutClips,
                    group, deadLetters, topic);
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

    /** A training was not attempted: too few clips, speakers or held-out clips. Waits for more clips. */
    public static final class NotEnoughDataException extends IllegalStateException {
        public NotEnoughDataException(String message) {
            super(message);
        }
    }

    private final Settings settings;
    private final SchemaRegistryClient registry;
    private final LabeledClipStore store;
    private final LabeledClipIntake intake;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AvroSerializer<DeadLetter> deadLetterValues;
    /** Transactional; made (and fenced in) on first use, made again after a fatal error. Null with dead letters off. */
    private volatile KafkaProducer<String, DeadLetter> producer;
    /** The producer's Kafka metrics in the process-wide registry, bound and closed with it. */
    private volatile Metrics.Handle producerMeters;
    private final ModelPublisher models;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean retrainRequested = new AtomicBoolean();
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
    private int clipsAtLastFailure;
    private long trainingBackoffMs;
    private long nextTrainingAttemptMs;
    private volatile int epoch;
    private volatile int epochs;
    private volatile double lastLoss = Double.NaN;
    private final List<AutoCloseable> meters = new ArrayList<>();
    /** Turns a stored clip into a training clip; replaced by tests to make one break. */
    private volatile BiFunction<AudioClip, Integer, LabeledClip> preparation = OnlineTrainer::toLabeled;
    /** Runs between the store's sync and the commit of a batch; tests make a crash there. */
    private volatile Runnable beforeCommit = () -> { };

    public OnlineTrainer(Settings settings, SchemaRegistryClient registry) throws IOException {
        this.settings = settings;
        this.registry = registry;
        this.store = LabeledClipStore.open(settings.stateDir());
        this.intake = new LabeledClipIntake(registry, store);
        this.clipsAtLastTraining = readState();
        Properties c = settings.cluster().clientProperties();
        c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.deadLetterValues = new AvroSerializer<>(registry);
        this.models = new ModelPublisher(settings.cluster(), registry);
        this.epochs = settings.options().epochs();
        registerMetrics();
    }

    /** Progress gauges and the consumer's and producer's Kafka metrics, in the process-wide registry until close. */
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

    /** Asks the running trainer to retrain at its next chance, whatever the count of new clips. */
    public void requestRetrain() {
        retrainRequested.set(true);
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
        int fresh = store.size() - Math.max(clipsAtLastTraining, clipsAtLastFailure);
        boolean due = fresh >= settings.retrainEvery() && store.size() >= settings.minClips()
                && System.currentTimeMillis() >= nextTrainingAttemptMs;
        boolean requested = retrainRequested.getAndSet(false);
        if (!due && !requested) {
            return;
        }
        try {
            retrain(due ? fresh + " new labeled clips" : "requested");
            trainingBackoffMs = 0;
            nextTrainingAttemptMs = 0;
        } catch (NotEnoughDataException e) {
            // e.g. one speaker only: try again when as many new clips have arrived
            clipsAtLastFailure = store.size();
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
            trainingBackoffMs = trainingBackoffMs == 0 ? MIN_TRAINING_BACKOFF_MS
                    : Math.min(MAX_TRAINING_BACKOFF_MS, trainingBackoffMs * 2);
            nextTrainingAttemptMs = System.currentTimeMillis() + trainingBackoffMs;
            state = String.format(Locale.ROOT, "training failed, next attempt in %d min: %s",
                    trainingBackoffMs / 60_000, describe(e));
            LOG.error("online trainer: {}", state, e);
        }
    }

    /**
     * Whatever the loop needs before it reads: the partitions (seeked to the committed offsets), the
     * registry (the dead-letter schema registered and the labeled topic's schemas fetched, so both work
     * through a registry outage), the transactional producer, and the dead letters of removals not
     * written yet. Each step that fails throws, and is tried again.
     */
    private void ensureReady() {
        if (settings.deadLetters() && producer == null) {
            KafkaProducer<String, DeadLetter> p = newProducer();
            try {
                // fences an earlier trainer of this group and settles what it left open, so that the
                // committed offsets read next are final
                p.initTransactions();
            } catch (RuntimeException e) {
                closeQuietly(p);
                throw e;
            }
            producer = p;
            producerMeters = Metrics.global().kafka(p);
        }
        if (!assigned) {
            assignAll();
        }
        if (!registryPrepared) {
            if (settings.deadLetters()) {
                deadLetterValues.preregister(Topics.AUDIO_DLQ.name(), DeadLetter.getClassSchema());
            }
            registry.preload(AvroSerializer.subject(settings.labeledTopic(), false));
            registryPrepared = true;
        }
        if (settings.deadLetters() && store.lastRemovalSeq() > deadLetteredRemovals) {
            deadLetterRemovals();
        }
    }

    private KafkaProducer<String, DeadLetter> newProducer() {
        Properties p = settings.cluster().clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // one transactional id per group: the trainer after a restart (or a second one by mistake) fences the one before
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "hark-trainer-dead-letters-" + settings.group());
        return new KafkaProducer<>(p, new StringSerializer(), deadLetterValues);
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
     * record becomes a stored clip or a dead letter; with dead letters on, the batch is one transaction
     * (see the class comment). Throws, with the consumer rewound to the start of the batch and nothing
     * committed, when anything that is not a record's fault fails.
     */
    public int ingest(Duration poll) {
        ensureReady();
        ConsumerRecords<byte[], byte[]> records = consumer.poll(poll);
        if (records.isEmpty()) {
            return 0;
        }
        KafkaProducer<String, DeadLetter> p = settings.deadLetters() ? producer : null;
        boolean inTransaction = false;
        int read = 0;
        int dups = 0;
        int refused = 0;
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try {
            if (p != null) {
                p.beginTransaction();
                inTransaction = true;
            }
            long now = System.currentTimeMillis();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                read++;
                Outcome o = intake.take(r);
                if (o instanceof Stored) {
                    HarkMeters.CLIPS.inc(STAGE);
                } else if (o instanceof Duplicate) {
                    dups++;
                } else if (o instanceof Refused x) {
                    refused++;
                    LOG.warn("{} {}-{}@{}: {}: {}", p != null ? "dead letter" : "invalid record (not dead-lettered here)",
                            r.topic(), r.partition(), r.offset(), x.reason(), x.message());
                    if (p != null) {
                        sent.add(p.send(new ProducerRecord<>(Topics.AUDIO_DLQ.name(), LabeledClipIntake.deadLetterKey(r),
                                LabeledClipIntake.deadLetter(STAGE, r, x, now))));
                    }
                } else if (!(o instanceof AlreadyStored)) {
                    throw new IllegalStateException("unknown outcome " + o);
                }
            }
            store.sync();
            Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
            for (TopicPartition tp : records.partitions()) {
                var list = records.records(tp);
                next.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1, metadata(deadLetteredRemovals)));
            }
            if (p != null) {
                awaitAll(p, sent); // a dead letter that was not written fails the batch; it never goes missing
                p.sendOffsetsToTransaction(next, consumer.groupMetadata());
                beforeCommit.run();
                p.commitTransaction();
                inTransaction = false;
            } else {
                beforeCommit.run();
                consumer.commitSync(next);
            }
        } catch (IOException | RuntimeException e) {
            giveBack(p, inTransaction);
            rewind(records);
            throw e instanceof IOException io
                    ? new UncheckedIOException("cannot write the labeled-clip store " + store.file(), io)
                    : (RuntimeException) e;
        }
        consumed += read;
        invalid += refused;
        if (p != null) {
            deadLetters += refused;
        }
        if (dups > 0) {
            LOG.debug("{} duplicate clip ids in this batch", dups);
        }
        return records.count();
    }

    /**
     * After a failed batch: aborts its transaction (or replaces a producer that could not even begin
     * one), and has the next {@link #ensureReady} seek to the committed offsets again. Those are the
     * truth even when the failure left it unclear whether the commit went through (a commit that timed
     * out): the consumer of a read_committed group waits for a pending transaction's offsets.
     */
    private void giveBack(KafkaProducer<String, DeadLetter> p, boolean inTransaction) {
        if (p != null) {
            if (inTransaction) {
                abort(p);
            } else {
                replace(p);
            }
        }
        assigned = false;
    }

    /** Back to the first record of the batch in each partition: the batch is read again. */
    private void rewind(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            consumer.seek(tp, records.records(tp).get(0).offset());
        }
    }

    /** Waits until every send is acknowledged; the first failure is thrown. */
    private static void awaitAll(KafkaProducer<?, ?> p, List<Future<RecordMetadata>> sent) {
        p.flush();
        for (Future<RecordMetadata> f : sent) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted while writing dead letters", e);
            } catch (ExecutionException e) {
                throw new KafkaException("a dead letter could not be written to " + Topics.AUDIO_DLQ.name() + ": "
                        + e.getCause(), e.getCause());
            }
        }
    }

    /** Aborts the open transaction; a producer that cannot (fenced, or in a fatal state) is replaced on next use. */
    private void abort(KafkaProducer<String, DeadLetter> p) {
        try {
            p.abortTransaction();
        } catch (RuntimeException e) {
            LOG.warn("the dead-letter producer is replaced ({})", e.toString());
            replace(p);
        }
    }

    /** Drops the producer; {@link #ensureReady} makes a new one (whose initTransactions aborts what this one left open). */
    private void replace(KafkaProducer<String, DeadLetter> p) {
        if (producer == p) {
            producer = null;
            closeMeters();
        }
        closeQuietly(p);
    }

    /** Before a new producer's are bound: a replacement has the same client id, so the same meters. */
    private void closeMeters() {
        Metrics.Handle m = producerMeters;
        producerMeters = null;
        if (m != null) {
            m.close();
        }
    }

    private static void closeQuietly(KafkaProducer<?, ?> p) {
        try {
            p.close(Duration.ZERO);
        } catch (RuntimeException e) {
            LOG.debug("producer close: {}", e.toString());
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
        KafkaProducer<String, DeadLetter> p = producer;
        boolean inTransaction = false;
        try {
            p.beginTransaction();
            inTransaction = true;
            long now = System.currentTimeMillis();
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (Removal r : pending) {
                sent.add(p.send(new ProducerRecord<>(Topics.AUDIO_DLQ.name(), removalKey(r), removalLetter(r, now))));
            }
            awaitAll(p, sent);
            p.sendOffsetsToTransaction(here, consumer.groupMetadata());
            p.commitTransaction();
        } catch (RuntimeException e) {
            giveBack(p, inTransaction); // and the metadata is read again with the offsets
            throw e;
        }
        deadLetteredRemovals = upTo;
        deadLetters += pending.size();
        LOG.info("dead-lettered {} clip(s) taken out of the labeled set", pending.size());
    }

    private static String removalKey(Removal r) {
        ClipOrigin o = r.origin();
        return o != null && o.key() != null ? DeadLetters.key(o.key()) : DeadLetters.key(r.clipId());
    }

    /** The dead letter of a removed clip: where its record was, and its size and digest (the store keeps no copy of it). */
    private DeadLetter removalLetter(Removal r, long now) {
        ClipOrigin o = r.origin();
        DeadLetters.Origin origin = o == null
                ? new DeadLetters.Origin(settings.labeledTopic(), null, null, r.clipCreatedAtMs(), null, null)
                : new DeadLetters.Origin(o.topic(), o.partition(), o.offset(), o.timestampMs(), o.key(), null);
        DeadLetter dl = DeadLetters.of(STAGE, r.reason(), r.message(), null, origin, r.clipId(), r.deviceId(), now);
        if (o != null) {
            dl.setOriginalValueSize(o.valueSize());
            dl.setOriginalValueSha256(o.valueSha256());
            if (o.key() == null) {
                dl.setOriginalKeySha256(o.keySha256());
            }
        }
        return dl;
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
     * Trains a candidate on every stored clip except the held-out speakers', evaluates it and the
     * champion on those speakers, and publishes the release. Runs on the caller's thread.
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
        FeatureSpec spec = settings.spec();
        LogMelExtractor extractor = new LogMelExtractor(spec);
        CnnTrainer trainer = new CnnTrainer(extractor, settings.options());
        Prepared prepared = prepare(stored, extractor, trainer);
        List<LabeledClip> clips = prepared.clips();
        float[][][] clean = prepared.features();
        if (clips.size() < needed) {
            throw new NotEnoughDataException("only " + clips.size() + " labeled clips can be trained on; training needs at least "
                    + needed);
        }
        List<String> speakers = new ArrayList<>(new TreeSet<>(clips.stream().map(LabeledClip::speaker).toList()));
        boolean byClip = settings.holdoutClips() > 0;
        List<String> held = byClip ? List.of()
                : settings.holdoutSpeakers().isEmpty() ? holdout(speakers) : settings.holdoutSpeakers();
        java.util.function.IntPredicate isHeld = byClip
                ? i -> heldOutClip(clips.get(i).name(), settings.holdoutClips())
                : i -> held.contains(clips.get(i).speaker());
        int[] trainIdx = IntStream.range(0, clips.size()).filter(isHeld.negate()).toArray();
        int[] evalIdx = IntStream.range(0, clips.size()).filter(isHeld).toArray();
        if (byClip && (trainIdx.length == 0 || evalIdx.length == 0)) {
            state = "waiting for more clips";
            throw new NotEnoughDataException("holding out " + settings.holdoutClips() + " of " + clips.size()
                    + " clips leaves nothing to train or to evaluate on");
        }
        if (trainIdx.length == 0 || evalIdx.length == 0) {
            state = "waiting for more speakers";
            throw new NotEnoughDataException("evaluation needs clips of at least two speakers (speakers: " + speakers
                    + ", held out: " + held + ")");
        }
        LOG.info("retraining ({}): {} clips, {} speakers; evaluating on {} ({} clips)", why, clips.size(),
                speakers.size(), byClip ? "held-out clips of every speaker" : held, evalIdx.length);
        ModelCatalog catalog = ModelCatalog.read(settings.cluster(), registry, Duration.ofSeconds(30));
        Optional<ModelRelease> champion = catalog.champion();
        int version = catalog.latestVersion() + 1;
        List<LabeledClip> evalClips = IntStream.of(evalIdx).mapToObj(clips::get).toList();
        byte[] onnx;
        double parity;
        List<Double> curve = new ArrayList<>();
        try (TrainedModel model = trainer.train(clips, clean, trainIdx, new int[0], new TrainingListener() {
            @Override
            public void onStep(int epoch, int step, int steps, double runningLoss) {
                if (stopping.get()) {
                    throw new CancellationException("the trainer is stopping");
                }
                progress.onStep(epoch, step, steps, runningLoss);
            }

            @Override
            public void onEpoch(dev.hark.trainer.model.EpochStats s) {
                progress.onEpoch(s);
                epoch = s.epoch();
                epochs = s.epochs();
                lastLoss = s.trainLoss();
                curve.add(s.trainLoss());
                state = String.format(Locale.ROOT, "training v%d: epoch %d/%d, loss %.4f", version, s.epoch(), s.epochs(), s.trainLoss());
            }
        })) {
            onnx = OnnxExport.export(model, spec, version);
            parity = OnnxExport.maxLogitDifference(model, onnx, IntStream.of(evalIdx).limit(64)
                    .mapToObj(i -> clean[i]).toArray(float[][][]::new));
        }
        if (!(parity < OnnxExport.PARITY_TOLERANCE)) {
            throw new IllegalStateException("the ONNX export of v" + version + " disagrees with DJL by " + parity);
        }
        int threads = settings.options().threads();
        Evaluation candidate;
        try (DigitModel m = DigitModel.load(onnx, new DigitModel.Options(threads))) {
            candidate = ModelEvaluator.score(m, extractor, evalClips, threads, n -> { }).evaluation();
        }
        Double championAccuracy = null;
        if (champion.isPresent()) {
            ModelRelease c = champion.get();
            if (c.getFeatureConfigId().equals(spec.id())) {
                try (DigitModel m = DigitModel.load(c.getOnnx().duplicate().array(), new DigitModel.Options(threads))) {
                    championAccuracy = ModelEvaluator.score(m, extractor, evalClips, threads, n -> { }).evaluation().accuracy();
                }
            } else {
                LOG.warn("champion v{} uses features {}, not {}: it cannot be evaluated on the same inputs; the "
                        + "candidate is compared with nothing", c.getVersion(), c.getFeatureConfigId(), spec.id());
            }
        }
        boolean promote = PromotionGate.promote(candidate.accuracy(), championAccuracy);
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("accuracy", candidate.accuracy());
        metrics.put("macro_f1", candidate.macroF1());
        metrics.put("evaluation_clips", (double) evalIdx.length);
        metrics.put("training_clips", (double) trainIdx.length);
        metrics.put("labeled_clips", (double) clips.size());
        metrics.put("training_seconds", seconds);
        metrics.put("djl_onnx_max_abs_logit_diff", parity);
        metrics.put("final_train_loss", curve.isEmpty() ? Double.NaN : curve.get(curve.size() - 1));
        Map<String, String> notes = new LinkedHashMap<>();
        notes.put("reason", why);
        notes.put("options", settings.options().toString());
        notes.put("speakers", String.join(",", speakers));
        notes.put("evaluation", byClip ? String.format(Locale.ROOT, "%d held-out clips (%.0f%% of every speaker's, by clip id)",
                evalIdx.length, 100 * settings.holdoutClips()) : "held-out speakers " + held);
        if (!prepared.excluded().isEmpty()) {
            notes.put("excluded", prepared.excluded().size() + " clip(s) that could not be trained on, taken out of the set");
        }
        notes.put("decision", promote ? (championAccuracy == null ? "champion: no comparable champion"
                : String.format(Locale.ROOT, "champion: %.4f >= %.4f of v%d", candidate.accuracy(), championAccuracy,
                champion.get().getVersion()))
                : String.format(Locale.ROOT, "not promoted: %.4f < %.4f of v%d", candidate.accuracy(), championAccuracy,
                champion.get().getVersion()));
        ModelRelease release = ModelRelease.newBuilder()
                .setVersion(version)
                .setParentVersion(champion.map(ModelRelease::getVersion).orElse(null))
                .setCreatedAtMs(Instant.now())
                .setFeatureConfigId(spec.id())
                .setFeatureConfig(FeatureConfigs.toAvro(spec))
                .setOnnx(ByteBuffer.wrap(onnx))
                .setOnnxSha256(dev.hark.schemas.Digests.sha256(onnx))
                .setOutput("probabilities")
                .setChampion(promote)
                .setCandidateAccuracy(candidate.accuracy())
                .setChampionAccuracy(championAccuracy)
                .setEvaluationSpeakers(held)
                .setMetrics(metrics)
                .setNotes(notes)
                .build();
        publish(release);
        clipsAtLastTraining = clips.size();
        writeState();
        trainings++;
        lastRelease = release;
        state = "idle";
        LOG.info("published model v{} ({}): accuracy {} on {} vs champion {}", version, notes.get("decision"),
                String.format(Locale.ROOT, "%.4f", candidate.accuracy()), held, championAccuracy);
        return release;
    }

    /** The clips a training uses, their clean features, and the ids of those it had to leave out. */
    private record Prepared(List<LabeledClip> clips, float[][][] features, List<String> excluded) {}

    /**
     * Decodes, resamples and computes the features of every stored clip. A clip that cannot be (it
     * throws, or it fails today's input checks because an older version stored it without them) is taken
     * out of the store for good and dead-lettered; the training goes on with the rest.
     */
    private Prepared prepare(List<StoredClip> stored, LogMelExtractor extractor, CnnTrainer trainer) {
        int rate = settings.spec().sampleRate();
        BiFunction<AudioClip, Integer, LabeledClip> prepare = preparation;
        Map<String, String> broken = new LinkedHashMap<>();
        List<LabeledClip> clips = new ArrayList<>(stored.size());
        for (StoredClip s : stored) {
            try {
                Optional<InputChecks.Problem> problem = InputChecks.labeledClip(s.clip());
                if (problem.isPresent()) {
                    broken.put(s.clipId(), "it fails the input checks (" + problem.get()
                            + "); it was stored by a version without them");
                    continue;
                }
                clips.add(prepare.apply(s.clip(), rate));
            } catch (RuntimeException e) {
                broken.put(s.clipId(), "decoding or resampling it failed: " + e);
            }
        }
        float[][][] clean;
        try {
            clean = trainer.features(clips);
        } catch (RuntimeException e) {
            // some clip broke the feature extraction: find which, one at a time
            List<LabeledClip> fine = new ArrayList<>(clips.size());
            for (LabeledClip c : clips) {
                try {
                    extractor.logMel(c.samples());
                    fine.add(c);
                } catch (RuntimeException x) {
                    broken.put(c.name(), "computing its features failed: " + x);
                }
            }
            if (fine.size() == clips.size()) {
                throw e; // no clip alone breaks it: not a clip's fault
            }
            clips = fine;
            clean = trainer.features(clips);
        }
        if (!broken.isEmpty()) {
            exclude(broken);
        }
        return new Prepared(clips, clean, List.copyOf(broken.keySet()));
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
        if (settings.deadLetters() && (loop == null || loop == Thread.currentThread())) {
            try {
                ensureReady(); // writes the removals' dead letters
            } catch (RuntimeException e) {
                LOG.warn("the dead letters of excluded clips are written later: {}", describe(e));
            }
        }
        // else: the loop writes them at its next turn (the consumer is its alone)
    }

    private void publish(ModelRelease release) {
        models.publish(release);
    }

    static LabeledClip toLabeled(AudioClip c, int rate) {
        ByteBuffer pcm = c.getPcm().duplicate();
        float[] samples = Pcm16.toFloats(pcm);
        Audio a = Resampler.toRate(Audio.mono(samples, c.getSampleRate()), rate);
        return new LabeledClip(c.getClipId(), c.getLabel(), c.getSpeaker(), -1, a.samples());
    }

    /** A fixed share of clips, by hash of the clip id: the same clips stay held out as the set grows. */
    static boolean heldOutClip(String clipId, double fraction) {
        String h = hash(clipId);
        long v = Long.parseLong(h.substring(0, 12), 16);
        return v < fraction * (1L << 48);
    }

    /** A fixed fifth of the speakers (at least one), by hash of the name: stable as long as the speakers are. */
    static List<String> holdout(List<String> speakers) {
        if (speakers.size() < 2) {
            return List.of();
        }
        int k = Math.max(1, (int) Math.round(speakers.size() * 0.2));
        return speakers.stream().sorted(Comparator.comparing(OnlineTrainer::hash)).limit(k).sorted().toList();
    }

    private static String hash(String s) {
        return dev.hark.schemas.Digests.sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    private Path statePath() {
        return settings.stateDir().resolve("trainer-state.json");
    }

    private int readState() throws IOException {
        Path p = statePath();
        if (!Files.isRegularFile(p)) {
            return 0;
        }
        String s = Files.readString(p);
        Matcher m = Pattern.compile("\"clipsAtLastTraining\"\\s*:\\s*(\\d+)").matcher(s);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private void writeState() {
        try {
            Path tmp = statePath().resolveSibling("trainer-state.json.tmp");
            Files.writeString(tmp, "{\"clipsAtLastTraining\": " + clipsAtLastTraining + "}\n");
            Files.move(tmp, statePath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + statePath(), e);
        }
    }

    public Status status() {
        String why = trouble;
        return new Status(store.size(), consumed, store.duplicates(), deadLetters, clipsAtLastTraining, trainings,
                Optional.ofNullable(lastRelease), why != null ? why : state, invalid, excluded);
    }

    /** Test seam: how stored clips become training clips (to make one throw). */
    void preparation(BiFunction<AudioClip, Integer, LabeledClip> p) {
        this.preparation = p;
    }

    /** Test seam: runs after a batch's store sync and before its commit (to crash there). */
    void beforeCommit(Runnable r) {
        this.beforeCommit = r;
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
        KafkaProducer<String, DeadLetter> p = producer;
        if (p != null) {
            try {
                p.close(Duration.ofSeconds(10)); // an open transaction is aborted
            } catch (RuntimeException e) {
                LOG.debug("producer close: {}", e.getMessage());
            }
        }
        closeMeters();
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
