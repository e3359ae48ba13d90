package dev.hark.launcher;

import dev.hark.audio.dataset.ClipCheck;
import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.producer.device.MicSource;
import dev.hark.trainer.OfflineTraining;
import dev.hark.trainer.data.Dataset;
import dev.hark.trainer.enroll.Enrollment;
import dev.hark.trainer.enroll.OfflineEnrollment;
import dev.hark.trainer.eval.Evaluation;
import dev.hark.trainer.model.Augmentation;
import dev.hark.trainer.model.TrainingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code hark enroll}: teach a trained model a new voice from a few labeled words. */
@Command(name = "enroll", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Teach a trained model a new speaker's voice: fine-tune it, from its own weights, on the speaker's "
                + "labeled WAVs plus the data it was trained on, and judge it before and after.",
                "",
                "--from-dir DIR: the speaker's words as {digit}_{anything}.wav (3_kitchen.wav, 3_7.wav, or FSDD's "
                        + "3_NAME_7.wav), all taken as --speaker's; the take is the number the name ends in. Each clip "
                        + "is checked as `hark dataset` checks clips: a silent or clipped clip, or one that is not "
                        + "exactly one word, is refused with the reason.",
                "Of each digit, the last --keep-back takes (by take number, then name) are kept back to test on when "
                        + "the digit has more clips than that; the rest are enrolled, each counted --weight times.",
                "Prints accuracy before and after on the held-out set the model was judged on (the data's standard "
                        + "split or held-out speakers, never trained on) and on the kept-back takes; exits 1 when the "
                        + "held-out accuracy falls by more than --tolerance.",
                "Writes OUT/ as `hark train` does: model.onnx, model.params, model.json (with an \"enrollment\" "
                        + "section), evaluation.json, report.html. The model folder must hold model.params (written by "
                        + "`hark train` since enrollment exists)."})
final class EnrollCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The model to start from: a `hark train --out` folder.")
    Path model;

    @Option(names = "--speaker", required = true, paramLabel = "NAME", description = "Who is speaking in --from-dir.")
    String speaker;

    @Option(names = "--from-dir", paramLabel = "DIR", description = "The speaker's labeled WAVs (see above). Without it, "
            + "Hark would record from the microphone, which this version cannot do yet.")
    Path fromDir;

    @Option(names = "--data", paramLabel = "DIR|FILE.csv", description = "The data the model was trained on (" + DataDir.DEFAULTS + ").")
    Path data;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: model-NAME).")
    Path out;

    @Option(names = "--epochs", defaultValue = "" + Enrollment.Recipe.DEFAULT_EPOCHS,
            description = "Fine-tuning epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "" + Enrollment.Recipe.DEFAULT_LEARNING_RATE,
            description = "Peak fine-tuning learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--weight", defaultValue = "" + Enrollment.Recipe.DEFAULT_WEIGHT, paramLabel = "N",
            description = "Copies of every enrolled clip per epoch (default: ${DEFAULT-VALUE}).")
    int weight;

    @Option(names = "--keep-back", defaultValue = "1", paramLabel = "N",
            description = "Takes of every digit kept back to test on (default: ${DEFAULT-VALUE}).")
    int keepBack;

    @Option(names = "--tolerance", defaultValue = "1.0", paramLabel = "POINTS",
            description = "Largest drop of held-out accuracy accepted, in percentage points (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--augment", defaultValue = "default", paramLabel = "SPEC", description = "As for hark train.")
    String augment;

    @Option(names = "--batch", defaultValue = "" + TrainingOptions.DEFAULT_BATCH, description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seed", defaultValue = "" + TrainingOptions.DEFAULT_SEED, description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", description = "Threads for DSP and PyTorch (default: all cores).")
    Integer threads;

    @Option(names = "--version-number", defaultValue = "0", paramLabel = "V",
            description = "Version of the enrolled model (default: the starting model's + 1).")
    int version;

    @Override
    public Integer call() throws Exception {
        DatasetFiles.requireSpeakerName(speaker);
        if (fromDir == null) {
            return fromMicrophone();
        }
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        TrainingOptions options = new TrainingOptions(epochs, batch, lr, seed, TrainingOptions.defaults().channels(),
                TrainingOptions.DEFAULT_DROPOUT, Augmentation.parse(augment), t);
        Enrollment.Recipe recipe = new Enrollment.Recipe(epochs, lr, weight);
        // cheap checks first: a wrong folder is told before any data is decoded
        OfflineEnrollment.BaseModel base = OfflineEnrollment.BaseModel.read(model);
        if (!Files.isDirectory(fromDir)) {
            throw new IllegalArgumentException("no folder " + fromDir + " (--from-dir: the speaker's {digit}_{anything}.wav)");
        }
        Path dataDir = DataDir.require(this.data);
        Path outDir = out != null ? out : Path.of("model-" + speaker);
        OfflineEnrollment.Request request = new OfflineEnrollment.Request(model, speaker, fromDir, dataDir, outDir, recipe,
                options, version, keepBack, tolerance / 100);
        FeatureSpec spec = FeatureSpec.defaults();

        System.err.println("checking " + speaker + "'s clips in " + fromDir);
        OfflineEnrollment.SpeakerClips clips = OfflineEnrollment.loadSpeaker(fromDir, speaker, spec, t, ClipCheck.defaults());
        for (DatasetFiles.Failure f : clips.refused()) {
            System.err.println("refused " + f.name() + ": " + f.reason());
        }
        System.err.println(clips.clips().size() + " clip(s) of " + speaker + " accepted, " + clips.refused().size() + " refused");
        if (clips.clips().isEmpty()) {
            throw new IllegalArgumentException("no clip of " + speaker + " in " + fromDir + " passed the checks");
        }

        TrainCommand.Bars bars = new TrainCommand.Bars(false);
        Dataset ds = OfflineTraining.load(new OfflineTraining.Request(dataDir, outDir, spec, options, 1, List.of()), bars);
        bars.finishLoading(ds);
        OfflineEnrollment.Outcome o = OfflineEnrollment.enroll(request, base, clips, ds, bars);

        System.out.println();
        System.out.printf(Locale.ROOT, "enrolled %s into v%d (from v%d): %d clips enrolled, %s; %s%n", speaker, o.version(),
                base.version(), o.enrolled(), o.speakerAfter() == null ? "none kept back" : o.speakerAfter().count()
                        + " kept back to test", Durations.seconds(o.seconds()));
        System.out.printf(Locale.ROOT, "%-44s %8s %8s%n", "accuracy", "before", "after");
        row(o.evaluationSet(), o.heldOutBefore(), o.heldOutAfter());
        if (o.speakerAfter() != null) {
            row(speaker + "'s kept-back takes", o.speakerBefore(), o.speakerAfter());
        }
        System.out.println("wrote " + o.model() + ", " + o.card() + ", " + o.evaluationJson() + ", " + o.report());
        double drop = 100 * (o.heldOutBefore().accuracy() - o.heldOutAfter().accuracy());
        if (!o.notWorse()) {
            System.err.printf(Locale.ROOT, "hark enroll: the enrolled model is %.2f points worse on the held-out set "
                    + "(tolerance %.2f): do not use it (its files are kept to look at)%n", drop, tolerance);
            return ExitCodes.FAILED;
        }
        System.out.printf(Locale.ROOT, "not worse on the held-out set (change %+.2f points, tolerance %.2f)%n", -drop,
                tolerance);
        return ExitCodes.OK;
    }

    private static void row(String what, Evaluation before, Evaluation after) {
        String label = what.length() > 34 ? what.substring(0, 33) + "…" : what;
        System.out.printf(Locale.ROOT, "%-44s %6.2f %% %6.2f %%%n", label + " (" + after.count() + " clips)",
                100 * before.accuracy(), 100 * after.accuracy());
    }

    /** Recording the words is the online part of enrollment, not in this version; without a microphone, say so as hark mic does. */
    private int fromMicrophone() {
        try {
            MicSource.open(16_000).close();
        } catch (MicSource.NoMicrophoneException e) {
            System.err.println("hark enroll: " + e.getMessage() + "; record the words as {digit}_{anything}.wav and pass "
                    + "--from-dir DIR");
            return ExitCodes.NO_MICROPHONE;
        } catch (Exception e) {
            // closing a line that opened: nothing to report
        }
        System.err.println("hark enroll: recording from the microphone is not in this version yet; record the words as "
                + "{digit}_{anything}.wav and pass --from-dir DIR");
        return ExitCodes.USAGE;
    }
}
