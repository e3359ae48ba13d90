package dev.hark.trainer.enroll;

import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.testing.SharedData;
import dev.hark.trainer.Holdout;
import dev.hark.trainer.TrainingRun;
import dev.hark.trainer.data.Dataset;
import dev.hark.trainer.data.DatasetLoader;
import dev.hark.trainer.eval.Evaluation;
import dev.hark.trainer.model.Augmentation;
import dev.hark.trainer.model.TrainingListener;
import dev.hark.trainer.model.TrainingOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real voices, small: a model trained on takes 5–19 of four FSDD speakers, then enrolled with takes 0–2 of
 * every digit of the fifth, must hear that speaker's other takes (3–19) better than before, and the four
 * speakers' test takes (0–4) about as well as before.
 */
class FsddEnrollmentTest {

    static final String NEW_SPEAKER = System.getProperty("hark.enroll.speaker", "george");

    @Test
    void enrollingThreeTakesPerDigitHelpsTheNewSpeakerAndKeepsTheOthers() throws Exception {
        Path fsdd = SharedData.requireFsdd();
        FeatureSpec spec = FeatureSpec.defaults();
        Dataset all = new DatasetLoader(spec.sampleRate(), 2).load(fsdd, n -> { });
        Dataset ds = new Dataset(all.layout(), all.clips().stream().filter(c -> c.take() < 20).toList(), List.of());
        TrainingOptions options = TrainingOptions.defaults().withEpochs(8).withBatchSize(16).withThreads(2)
                .withChannels(new int[] {16, 32, 64}).withAugmentation(Augmentation.NONE);
        TrainingRun run = new TrainingRun(spec, options);
        float[][][] features = run.features(ds.clips());
        int[] train = ds.indices(c -> !c.speaker().equals(NEW_SPEAKER) && c.take() >= 5);
        int[] othersTest = ds.indices(c -> !c.speaker().equals(NEW_SPEAKER) && c.take() < 5);
        int[] speaker = ds.indices(c -> c.speaker().equals(NEW_SPEAKER));
        long t0 = System.nanoTime();
        TrainingRun.Result base = run.run(ds, features, new Holdout.Split(train, speaker, List.of(NEW_SPEAKER), "test"), 1,
                TrainingListener.NONE);
        double trainSeconds = (System.nanoTime() - t0) / 1e9;

        Enrollment.Takes takes = Enrollment.firstTakes(ds.clips(), speaker, 3);
        int[] evaluation = IntStream.concat(IntStream.of(othersTest), IntStream.of(takes.test())).toArray();
        Enrollment enrollment = new Enrollment(spec, options, Enrollment.Recipe.defaults());
        List<dev.hark.trainer.data.LabeledClip> evalClips = IntStream.of(evaluation).mapToObj(ds.clips()::get).toList();
        var before = enrollment.run().score(base.onnx(), evalClips);
        t0 = System.nanoTime();
        TrainingRun.Result tuned = enrollment.fineTune(ds, features, train, takes.enrolled(), evaluation, base.weights(), 2,
                TrainingListener.NONE);
        double tuneSeconds = (System.nanoTime() - t0) / 1e9;
        int h = othersTest.length;
        Evaluation othersBefore = OfflineEnrollment.part(before, 0, h);
        Evaluation othersAfter = OfflineEnrollment.part(tuned.scored(), 0, h);
        Evaluation newBefore = OfflineEnrollment.part(before, h, evaluation.length);
        Evaluation newAfter = OfflineEnrollment.part(tuned.scored(), h, evaluation.length);
        System.out.printf("FSDD enrollment of %s (%d clips enrolled, %d tested): %.4f -> %.4f; other speakers' takes 0-4 "
                        + "(%d clips): %.4f -> %.4f; training %.0f s, fine-tuning %.0f s%n", NEW_SPEAKER,
                takes.enrolled().length, newAfter.count(), newBefore.accuracy(), newAfter.accuracy(), othersAfter.count(),
                othersBefore.accuracy(), othersAfter.accuracy(), trainSeconds, tuneSeconds);
        assertTrue(newAfter.accuracy() >= newBefore.accuracy() + 0.05, "the new speaker's other takes: "
                + newBefore.accuracy() + " -> " + newAfter.accuracy());
        assertTrue(othersAfter.accuracy() >= othersBefore.accuracy() - 0.03, "the other speakers' test takes: "
                + othersBefore.accuracy() + " -> " + othersAfter.accuracy());
    }
}
