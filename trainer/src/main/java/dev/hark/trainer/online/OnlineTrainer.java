package dev.hark.trainer.online;

import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.avro.ModelRelease;
import dev.hark.classifier.inference.DigitModel;
import dev.hark.features.audio.Audio;
import dev.hark.features.audio.Pcm16;
import dev.hark.features.audio.Resampler;
import dev.hark.features.dsp.FeatureSpec;
import dev.hark.features.dsp.LogMelExtractor;
import dev.hark.schemas.ClusterConfig;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;
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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
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
 */
public final class OnlineTrainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OnlineTrainer.class);
    public static final String STAGE = "trainer";
    public static final String GROUP = "hark-trainer";

    /**
     * @param retrainEvery     retrain after this many new labeled clips
     * @param minClips         never train on fewer clips than this
     * @param holdoutSpeakers  evaluation speakers; empty = a fixed fifth of the speakers (by hash of the name)
     * @param group            the consumer group whose committed offsets say what is already stored
     */
    /**
     * @param holdoutSpeakers speakers the promotion gate evaluates on, never trained on (empty: a fifth of
     *                        the speakers, by hash of the name)
     * @param holdoutClips    when above 0, the gate evaluates instead on this fraction of every speaker's
     *                        clips (by hash of the clip id) and every speaker is trained on: for a closed
     *                        set of users (the demo), where new speakers are not the question
     */
    public record Settings(ClusterConfig cluster, Path stateDir, int retrainEvery, int minClips, FeatureSpec spec,
                           TrainingOptions options, List<String> holdoutSpeakers, double holdoutClips, String group) {

        public static Settings defaults(ClusterConfig cluster, Path stateDir) {
            return new Settings(cluster, stateDir, 500, 200, FeatureSpec.defaults(),
                    TrainingOptions.defaults(), List.of(), 0, GROUP);
        }

        public Settings withGroup(String g) {
            return new Settings(cluster, stateDir, retrainEvery, minClips, spec, options, holdoutSpeakers, holdoutClips, g);
        }

        public Settings withRetrainEvery(int n) {
            return new Settings(cluster, stateDir, n, minClips, spec, options, holdoutSpeakers, holdoutClips, group);
        }

        public Settings withMinClips(int n) {
            return new Settings(cluster, stateDir, retrainEvery, n, spec, options, holdoutSpeakers, holdoutClips, group);
        }

        public Settings withOptions(TrainingOptions o) {
            return new Settings(cluster, stateDir, retrainEvery, minClips, spec, o, holdoutSpeakers, holdoutClips, group);
        }

        public Settings withHoldoutSpeakers(List<String> s) {
            return new Settings(cluster, stateDir, retrainEvery, minClips, spec, options, List.copyOf(s), 0, group);
        }

        public Settings withHoldoutClips(double fraction) {
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException("the held-out fraction of clips must be between 0 and 1, not " + fraction);
            }
            return new Settings(cluster, stateDir, retrainEvery, minClips, spec, options, List.of(), fraction, group);
        }
    }

    /** Counters for status and metrics. */
    public record Status(int storedClips, int consumed, int duplicates, int deadLetters, int clipsAtLastTraining,
                         int trainings, Optional<ModelRelease> lastRelease, String state) {}

    private final Settings settings;
    private final SchemaRegistryClient registry;
    private final LabeledClipStore store;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<String, DeadLetter> producer;
    private final ModelPublisher models;
    private final AvroDeserializer<AudioClip> clipDeserializer;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean retrainRequested = new AtomicBoolean();
    /** Set by close: a training in progress gives up at its next step rather than holding the shutdown. */
    private final AtomicBoolean stopping = new AtomicBoolean();
    private volatile Thread thread;
    private volatile String state = "idle";
    private volatile ModelRelease lastRelease;
    private int consumed;
    private int deadLetters;
    private int trainings;
    private int clipsAtLastTraining;
    private int clipsAtLastFailure;
    private volatile int epoch;
    private volatile int epochs;
    private volatile double lastLoss = Double.NaN;
    private final List<AutoCloseable> meters = new ArrayList<>();

    public OnlineTrainer(Settings settings, SchemaRegistryClient registry) throws IOException {
        this.settings = settings;
        this.registry = registry;
        this.store = LabeledClipStore.open(settings.stateDir());
        this.clipsAtLastTraining = readState();
        this.clipDeserializer = AvroDeserializer.specific(registry, AudioClip.class);
        Properties c = settings.cluster().clientProperties();
        c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        Properties p = settings.cluster().clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new AvroSerializer<>(registry));
        this.models = new ModelPublisher(settings.cluster(), registry);
        this.epochs = settings.options().epochs();
        registerMetrics();
    }

    /** Progress gauges and the consumer's and producer's Kafka metrics, in the process-wide registry until close. */
    private void registerMetrics() {
        meters.add(Metrics.global().kafka(consumer::metrics));
        meters.add(Metrics.global().kafka(producer::metrics));
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

    /** {@code /health}: up while the consume-and-train loop runs (training counts as up). */
    public MetricsServer.Check health() {
        Thread t = thread;
        boolean up = t != null && t.isAlive() && !state.startsWith("failed");
        return new MetricsServer.Check(up, state + ", " + store.size() + " labeled clips, " + trainings + " trainings");
    }

    /** Consumes and retrains on a thread of its own until {@link #close}. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        running.set(true);
        assignAll();
        thread = new Thread(this::loop, "hark-online-trainer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Asks the running trainer to retrain at its next chance, whatever the count of new clips. */
    public void requestRetrain() {
        retrainRequested.set(true);
    }

    private void assignAll() {
        List<TopicPartition> parts = consumer.partitionsFor(Topics.AUDIO_CLIPS_LABELED.name(), Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        // Standalone assignment: no group rebalances while a training takes minutes; offsets still committed to GROUP.
        consumer.assign(parts);
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(parts));
        for (TopicPartition tp : parts) {
            OffsetAndMetadata om = committed.get(tp);
            if (om == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, om.offset());
            }
        }
    }

    private void loop() {
        try {
            while (running.get()) {
                // take in everything already published before deciding: a replay of 2,500 clips should
                // give one training on all of them, not one per poll
                long drainUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                int read = ingest(Duration.ofMillis(500));
                while (read > 0 && running.get() && System.nanoTime() < drainUntil) {
                    read = ingest(Duration.ofMillis(200));
                }
                int fresh = store.size() - Math.max(clipsAtLastTraining, clipsAtLastFailure);
                boolean due = fresh >= settings.retrainEvery() && store.size() >= settings.minClips();
                if (due || retrainRequested.getAndSet(false)) {
                    try {
                        retrain(due ? fresh + " new labeled clips" : "requested");
                    } catch (IllegalStateException | IllegalArgumentException e) {
                        // e.g. one speaker only: try again when as many new clips have arrived
                        clipsAtLastFailure = store.size();
                        state = "waiting: " + e.getMessage();
                        LOG.warn("no model trained: {}", e.getMessage());
                    }
                }
            }
        } catch (WakeupException | java.util.concurrent.CancellationException e) {
            state = "stopped";
        } catch (RuntimeException e) {
            state = "failed: " + e.getMessage();
            LOG.error("online trainer stopped: {}", e.getMessage(), e);
        }
    }

    /** Reads what is there now into the store (one poll); returns how many records were read. */
    public int ingest(Duration poll) {
        if (consumer.assignment().isEmpty()) {
            assignAll();
        }
        var records = consumer.poll(poll);
        if (records.isEmpty()) {
            return 0;
        }
        try {
            for (ConsumerRecord<byte[], byte[]> r : records) {
                consumed++;
                accept(r);
            }
            store.sync();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the labeled-clip store " + store.file(), e);
        }
        producer.flush(); // dead letters are durable before the offsets move past their records
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            var list = records.records(tp);
            next.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
        }
        consumer.commitSync(next);
        return records.count();
    }

    /** Ingests until caught up with the end of the topic (or the timeout). */
    public void catchUp(Duration timeout) {
        if (consumer.assignment().isEmpty()) {
            assignAll();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        while (consumer.assignment().stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out reading " + Topics.AUDIO_CLIPS_LABELED.name());
            }
            ingest(Duration.ofMillis(200));
        }
    }

    private void accept(ConsumerRecord<byte[], byte[]> r) throws IOException {
        AudioClip clip;
        try {
            clip = clipDeserializer.deserialize(r.topic(), r.value());
        } catch (RuntimeException e) {
            deadLetter(r, "undecodable-record", "not an AudioClip this trainer can read: " + e.getMessage(), e, null);
            return;
        }
        if (clip.getLabel() == null || clip.getLabel() < 0 || clip.getLabel() > 9) {
            deadLetter(r, "no-label", "a labeled clip needs a label 0-9, this one has " + clip.getLabel(), null, clip.getClipId());
            return;
        }
        if (clip.getSpeaker() == null || clip.getSpeaker().isBlank()) {
            deadLetter(r, "no-speaker", "a labeled clip needs a speaker: evaluation holds speakers out", null, clip.getClipId());
            return;
        }
        if (clip.getPcm().remaining() < 2 || clip.getSampleRate() < 1000 || clip.getSampleRate() > 384_000) {
            deadLetter(r, "bad-audio", "no samples or a sample rate outside 1-384 kHz (" + clip.getSampleRate() + ")",
                    null, clip.getClipId());
            return;
        }
        if (store.add(clip)) {
            HarkMeters.CLIPS.inc(STAGE);
        }
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> r, String reason, String message, Throwable error, String clipId) {
        deadLetters++;
        HarkMeters.DEAD_LETTERS.inc(STAGE, reason);
        LOG.warn("dead letter {}-{}@{}: {}: {}", r.topic(), r.partition(), r.offset(), reason, message);
        DeadLetter dl = DeadLetter.newBuilder()
                .setStage(STAGE).setReason(reason).setMessage(message)
                .setErrorClass(error == null ? null : error.getClass().getName())
                .setTopic(r.topic()).setPartition(r.partition()).setOffset(r.offset())
                .setRecordTimestampMs(Instant.ofEpochMilli(r.timestamp()))
                .setOriginalKey(r.key() == null ? null : ByteBuffer.wrap(r.key()))
                .setOriginalValue(r.value() == null ? null : ByteBuffer.wrap(r.value()))
                .setClipId(clipId)
                .setDeadLetteredAtMs(Instant.now())
                .build();
        producer.send(new ProducerRecord<>(Topics.AUDIO_DLQ.name(), r.key() == null ? null
                : new String(r.key(), StandardCharsets.UTF_8), dl));
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
        List<AudioClip> stored = store.clips();
        if (stored.size() < Math.max(2, settings.minClips())) {
            throw new IllegalStateException("only " + stored.size() + " labeled clips; training needs at least "
                    + Math.max(2, settings.minClips()));
        }
        state = "training";
        epoch = 0;
        long start = System.nanoTime();
        FeatureSpec spec = settings.spec();
        List<LabeledClip> clips = stored.stream().map(c -> toLabeled(c, spec.sampleRate())).toList();
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
            throw new IllegalStateException("holding out " + settings.holdoutClips() + " of " + clips.size()
                    + " clips leaves nothing to train or to evaluate on");
        }
        if (trainIdx.length == 0 || evalIdx.length == 0) {
            state = "waiting for more speakers";
            throw new IllegalStateException("evaluation needs clips of at least two speakers (speakers: " + speakers
                    + ", held out: " + held + ")");
        }
        LOG.info("retraining ({}): {} clips, {} speakers; evaluating on {} ({} clips)", why, clips.size(),
                speakers.size(), byClip ? "held-out clips of every speaker" : held, evalIdx.length);
        LogMelExtractor extractor = new LogMelExtractor(spec);
        CnnTrainer trainer = new CnnTrainer(extractor, settings.options());
        float[][][] clean = trainer.features(clips);
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
                    throw new java.util.concurrent.CancellationException("the trainer is stopping");
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
                .setFeatureConfig(spec.toAvro())
                .setOnnx(ByteBuffer.wrap(onnx))
                .setOnnxSha256(OnnxExport.sha256(onnx))
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
        return OnnxExport.sha256(s.getBytes(StandardCharsets.UTF_8));
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
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"clipsAtLastTraining\"\\s*:\\s*(\\d+)").matcher(s);
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
        return new Status(store.size(), consumed, store.duplicates(), deadLetters, clipsAtLastTraining, trainings,
                Optional.ofNullable(lastRelease), state);
    }

    @Override
    public void close() {
        running.set(false);
        stopping.set(true);
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
        producer.close(Duration.ofSeconds(10));
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
