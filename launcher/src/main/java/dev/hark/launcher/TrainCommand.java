package dev.hark.launcher;

import dev.hark.audio.Audio;
import dev.hark.audio.dataset.ClipCheck;
import dev.hark.audio.dataset.DatasetAnalysis;
import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.trainer.OfflineTraining;
import dev.hark.trainer.data.Dataset;
import dev.hark.trainer.enroll.Enrollment;
import dev.hark.trainer.model.Augmentation;
import dev.hark.trainer.model.EpochStats;
import dev.hark.trainer.model.TrainingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import dev.hark.avro.ModelRelease;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.trainer.online.OnlineTrainer;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code hark train}: train the digit CNN from a folder of WAVs, evaluate it, export ONNX. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train the digit CNN from a folder of WAVs and export it as ONNX, with an evaluation report.",
                "",
                "Data: FSDD names {digit}_{speaker}_{take}.wav (in one folder or below it), AudioMNIST's "
                        + "NN/{digit}_{NN}_{take}.wav, or a CSV manifest path,label,speaker.",
                "Evaluation (the online trainer's rule too): the speakers named with --holdout-speakers, else the "
                        + "dataset's standard split when it has one (FSDD: takes 0-4 are the test set), else a fifth "
                        + "of the speakers, chosen by a hash of their names. "
                        + "--loso trains one model per speaker and tests it on that speaker, whom it never heard; "
                        + "--loso --enroll 1,3,5 also measures hark enroll's fine-tuning in every fold.",
                "Before training, the checks of `hark dataset` run on the data and their flags are summed up in one "
                        + "line (silent, clipped, too short or long, several words, duplicates); training goes on.",
                "Writes OUT/model.onnx, OUT/model.params (the DJL weights hark enroll fine-tunes from), OUT/model.json (version, feature configuration, data summary, metrics, sha256), "
                        + "OUT/evaluation.json and OUT/report.html (confusion matrix, per digit, per speaker, curves)."})
final class TrainCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "DIR|FILE.csv", description = "Labeled WAVs (see above; " + DataDir.DEFAULTS + ").")
    Path data;

    @Option(names = "--online", description = "Retrain now from every clip in audio.clips.labeled, evaluate against "
            + "the champion on held-out speakers, and publish the release to models (champion only if not worse). "
            + "The trainer service of hark up does the same every --retrain-every new clips.")
    boolean online;

    @picocli.CommandLine.Mixin
    ClusterOptions clusterOptions = new ClusterOptions();

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "model", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--epochs", defaultValue = "" + TrainingOptions.DEFAULT_EPOCHS, description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "" + TrainingOptions.DEFAULT_SEED,
            description = "Random seed: the same seed, data and options give the same model (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--loso", description = "Leave-one-speaker-out over all speakers: report only, no model exported.")
    boolean loso;

    @Option(names = "--enroll", split = ",", paramLabel = "K",
            description = "With --loso: also fine-tune every fold's model with the first K takes per digit of the speaker "
                    + "left out (hark enroll's fine-tuning, its defaults) and test on that speaker's other takes, e.g. 1,3,5.")
    List<Integer> enroll = List.of();

    @Option(names = "--holdout-speakers", split = ",", paramLabel = "NAME",
            description = "Evaluate on these speakers and never train on them (instead of the standard split).")
    List<String> holdout = List.of();

    @Option(names = "--augment", defaultValue = "default", paramLabel = "SPEC",
            description = "none, default (" + "speed=0.15,gain=6,noise=0.5,shift=0.15,vtlp=0.1" + "), or key=value,... "
                    + "with keys speed, pitch, tempo, gain, noise, snrmin, snrmax, shift, reverb, channel, vtlp, fmask, tmask.")
    String augment;

    @Option(names = "--channels", split = ",", paramLabel = "N",
            description = "Convolution channels (default: 16,32,64,96).")
    int[] channels = {16, 32, 64, 96};

    @Option(names = "--batch", defaultValue = "" + TrainingOptions.DEFAULT_BATCH, description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "" + TrainingOptions.DEFAULT_LEARNING_RATE, description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--threads", description = "Threads for DSP and PyTorch (default: all cores).")
    Integer threads;

    @Option(names = "--version-number", defaultValue = "1", paramLabel = "V", description = "Model version written into the model (default: ${DEFAULT-VALUE}).")
    int version;

    @Override
    public Integer call() throws Exception {
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        TrainingOptions options = new TrainingOptions(epochs, batch, lr, seed, channels, TrainingOptions.DEFAULT_DROPOUT,
                Augmentation.parse(augment), t);
        FeatureSpec spec = FeatureSpec.defaults();
        if (online) {
            return online(options, spec);
        }
        Path data = DataDir.require(this.data);
        OfflineTraining.Request request = new OfflineTraining.Request(data, out, spec, options, version, holdout);
        Bars bars = new Bars();
        Dataset ds = OfflineTraining.load(request, bars);
        bars.finishLoading(ds);
        // the checks of `hark dataset`, on the audio just decoded: told, never a reason to stop
        DatasetAnalysis checked = bars.checks.finish(ds.layout(), ds.failures());
        System.err.println(checked.clean() ? "checks: " + checked.flagSummary()
                : "checks: " + checked.flagSummary() + " (see hark dataset " + data + ")");
        if (!enroll.isEmpty() && !loso) {
            throw new IllegalArgumentException("--enroll measures enrollment inside leave-one-speaker-out: add --loso "
                    + "(to enroll a speaker into a model, use hark enroll)");
        }
        if (loso) {
            OfflineTraining.LosoOutcome o = OfflineTraining.loso(request, ds, bars, enroll.isEmpty() ? null
                    : new OfflineTraining.LosoEnrollment(enroll, Enrollment.Recipe.defaults()));
            System.out.println();
            System.out.println("leave-one-speaker-out, " + o.foldAccuracy().size() + " folds:");
            o.foldAccuracy().forEach((s, a) -> System.out.printf(Locale.ROOT, "  %-12s %6.2f %%%n", s, 100 * a));
            System.out.printf(Locale.ROOT, "mean %.2f %%, worst fold %.2f %%, pooled %.2f %% of %d clips, %s%n",
                    100 * o.mean(), 100 * o.min(), 100 * o.pooled().accuracy(), o.pooled().count(), Durations.seconds(o.seconds()));
            if (!enroll.isEmpty()) {
                printEnrollment(o);
            }
            System.out.println("wrote " + o.json() + " and " + o.report());
            return ExitCodes.OK;
        }
        OfflineTraining.Outcome o = OfflineTraining.train(request, ds, bars);
        System.out.println();
        System.out.printf(Locale.ROOT, "accuracy %.2f %% (%d of %d) on the %s%n", 100 * o.evaluation().accuracy(),
                o.evaluation().correct(), o.evaluation().count(), o.evaluationSet());
        o.evaluation().perSpeaker().forEach((s, m) -> System.out.printf(Locale.ROOT, "  %-12s %6.2f %% of %d%n", s,
                100 * m.accuracy(), m.count()));
        System.out.printf(Locale.ROOT, "trained in %s; ONNX Runtime vs DJL max |logit difference| %.2g%n",
                Durations.seconds(o.trainSeconds()), o.parity());
        System.out.println("wrote " + o.model() + ", " + o.card() + ", " + o.evaluationJson() + ", " + o.report());
        return ExitCodes.OK;
    }

    /** The per-speaker table of LOSO with enrollment: accuracy by enrolled takes per digit, then mean and worst. */
    static void printEnrollment(OfflineTraining.LosoOutcome o) {
        List<Integer> ks = o.enrolled().values().iterator().next().keySet().stream().toList();
        System.out.println();
        System.out.println("with enrollment (k takes per digit of the speaker left out; tested on their other takes):");
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "  %-12s %6s", "speaker", "tested"));
        ks.forEach(k -> head.append(String.format(Locale.ROOT, " %8s", "k=" + k)));
        System.out.println(head);
        o.enrolled().forEach((s, byK) -> {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-12s %6d", s, o.enrolledTestClips().get(s)));
            ks.forEach(k -> line.append(String.format(Locale.ROOT, " %6.2f %%", 100 * byK.get(k))));
            System.out.println(line);
        });
        for (String what : new String[] {"mean", "worst"}) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-12s %6s", what, ""));
            ks.forEach(k -> line.append(String.format(Locale.ROOT, " %6.2f %%", 100 * (what.equals("mean")
                    ? o.enrolledMean(k) : o.enrolledWorst(k)))));
            System.out.println(line);
        }
    }

    private int online(TrainingOptions options, FeatureSpec spec) throws Exception {
        ClusterConfig cluster = clusterOptions.cluster();
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        Path state = Files.createTempDirectory("hark-train-online");
        // A throwaway group and store, and no dead letters: the trainer service (group hark-trainer) dead-letters
        // every invalid labeled clip once; a second reader writing them too would double them.
        OnlineTrainer.Settings settings = OnlineTrainer.Settings.defaults(cluster, state).withOptions(options)
                .withHoldoutSpeakers(holdout).withGroup("hark-train-once-" + UUID.randomUUID()).withDeadLetters(false);
        try (OnlineTrainer trainer = new OnlineTrainer(settings, registry)) {
            System.err.println("reading " + Topics.AUDIO_CLIPS_LABELED.name() + " from " + cluster.bootstrapServers());
            trainer.catchUp(Duration.ofMinutes(5));
            OnlineTrainer.Status st = trainer.status();
            System.err.println(st.storedClips() + " labeled clips (" + st.duplicates() + " duplicates)");
            if (st.invalid() > 0) {
                System.err.println(st.invalid() + " invalid record(s) skipped; the trainer service dead-letters them to "
                        + Topics.AUDIO_DLQ.name() + " (hark tail " + Topics.AUDIO_DLQ.name() + ")");
            }
            ModelRelease r;
            try {
                r = trainer.retrain("hark train --online", new Bars());
            } finally {
                int excluded = trainer.status().excluded();
                if (excluded > 0) {
                    System.err.println(excluded + " clip(s) could not be trained on and were left out; the trainer "
                            + "service dead-letters them (reason " + OnlineTrainer.TRAINING_ERROR + ")");
                }
            }
            System.out.printf(Locale.ROOT, "published model v%d: %s%n", r.getVersion(), r.getNotes().get("decision"));
            System.out.printf(Locale.ROOT, "held-out speakers %s: candidate %.2f %%%s%n", r.getEvaluationSpeakers(),
                    100 * r.getCandidateAccuracy(), r.getChampionAccuracy() == null ? ""
                            : String.format(Locale.ROOT, ", champion v%d %.2f %%", r.getParentVersion(), 100 * r.getChampionAccuracy()));
            return ExitCodes.OK;
        } finally {
            try (var files = Files.walk(state)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Progress bars: reading files, then one bar per epoch. */
    static final class Bars implements OfflineTraining.Progress {
        /** {@link ClipCheck} on every clip as it is decoded (on the decoding threads). */
        final DatasetAnalysis.Collector checks = new DatasetAnalysis.Collector(ClipCheck.defaults());
        private final boolean check;
        private ProgressBar loading;
        private int loadingTotal;
        private ProgressBar epoch;
        private String fold = "";
        private int steps;

        Bars() {
            this(true);
        }

        /** @param check run {@link ClipCheck} on every clip as decoded (hark train does; hark enroll checks only the new clips) */
        Bars(boolean check) {
            this.check = check;
        }

        @Override
        public void stage(String what) {
            System.err.println(what);
        }

        @Override
        public void loading(int done, int total) {
            synchronized (this) {
                if (loading == null) {
                    loadingTotal = total;
                    loading = new ProgressBar("decoding", total);
                }
            }
            loading.update(done, "");
        }

        void finishLoading(Dataset ds) {
            if (loading != null) {
                loading.done(loadingTotal, ds.clips().size() + " clips, "
                        + ds.speakers().size() + " speakers (" + ds.layout() + ")");
            }
            if (!ds.failures().isEmpty()) {
                System.err.println(ds.failures().size() + " file(s) could not be used:");
                ds.failures().stream().limit(10).forEach(f -> System.err.println("  " + f.name() + ": " + f.reason()));
                if (ds.failures().size() > 10) {
                    System.err.println("  ... and " + (ds.failures().size() - 10) + " more");
                }
            }
        }

        @Override
        public void decoded(DatasetFiles.Entry entry, Audio audio) {
            if (check) {
                checks.accept(entry, audio);
            }
        }

        @Override
        public void fold(String speaker, int index, int folds) {
            fold = "[" + speaker + " " + index + "/" + folds + "] ";
            System.err.println("fold " + index + " of " + folds + ": training without " + speaker);
        }

        @Override
        public void onStep(int e, int step, int steps, double runningLoss) {
            this.steps = steps;
            if (step == 1) {
                epoch = new ProgressBar(String.format(Locale.ROOT, "%sepoch %2d", fold, e), steps);
            }
            epoch.update(step, String.format(Locale.ROOT, "loss %.4f", runningLoss));
        }

        @Override
        public void onEpoch(EpochStats s) {
            String val = s.hasValidation() ? String.format(Locale.ROOT, "  validation acc %.2f %%", 100 * s.validationAccuracy()) : "";
            epoch.done(steps, String.format(Locale.ROOT, "loss %.4f  train acc %.2f %%%s",
                    s.trainLoss(), 100 * s.trainAccuracy(), val));
        }
    }
}
