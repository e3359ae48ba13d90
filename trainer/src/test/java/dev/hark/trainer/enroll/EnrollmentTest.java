package dev.hark.trainer.enroll;

import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.trainer.Holdout;
import dev.hark.trainer.OfflineTraining;
import dev.hark.trainer.SyntheticDigitsAccess;
import dev.hark.trainer.TrainingRun;
import dev.hark.trainer.data.Dataset;
import dev.hark.trainer.data.LabeledClip;
import dev.hark.trainer.export.OnnxExport;
import dev.hark.trainer.model.Augmentation;
import dev.hark.trainer.model.TrainingListener;
import dev.hark.trainer.model.TrainingOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fine-tuning starts from the model's own weights; takes are chosen by name; LOSO with enrollment has its table. */
class EnrollmentTest {

    static final FeatureSpec SPEC = FeatureSpec.defaults();
    static Dataset data;
    static TrainingRun run;
    static TrainingRun.Result trained;
    static float[][][] features;

    static TrainingOptions tiny() {
        return TrainingOptions.defaults().withEpochs(3).withBatchSize(16).withThreads(2).withChannels(new int[] {8, 16})
                .withAugmentation(Augmentation.NONE);
    }

    @BeforeAll
    static void train() {
        data = new Dataset(DatasetFiles.Layout.TOPIC, SyntheticDigitsAccess.clips(4, new String[] {"a", "b", "c"}, 5, "s"),
                List.of());
        run = new TrainingRun(SPEC, tiny());
        features = run.features(data.clips());
        trained = run.run(data, features, Holdout.ofSpeakers(List.of("c")).split(data), 1, TrainingListener.NONE);
    }

    @Test
    void zeroEpochsOfFineTuningIsTheStartingModel() {
        Enrollment e = new Enrollment(SPEC, tiny(), new Enrollment.Recipe(0, 0.001f, 3));
        int[] c = trained.split().evaluation();
        Enrollment.Takes takes = Enrollment.firstTakes(data.clips(), c, 1);
        TrainingRun.Result same = e.fineTune(data, features, trained.split().train(), takes.enrolled(), takes.test(),
                trained.weights(), 2, TrainingListener.NONE);
        float[][][] inputs = Arrays.stream(takes.test()).mapToObj(i -> features[i]).toArray(float[][][]::new);
        float[][] before = OnnxExport.onnxLogits(trained.onnx(), inputs);
        float[][] after = OnnxExport.onnxLogits(same.onnx(), inputs);
        for (int i = 0; i < inputs.length; i++) {
            assertArrayEquals(before[i], after[i], 0f, "clip " + i + ": the weights are loaded, not re-initialised");
        }
        assertArrayEquals(trained.weights(), same.weights());

        // and a real fine-tune moves away from them (so the equality above is not a model that ignores training)
        TrainingRun.Result moved = new Enrollment(SPEC, tiny(), new Enrollment.Recipe(1, 0.001f, 3)).fineTune(data, features,
                trained.split().train(), takes.enrolled(), takes.test(), trained.weights(), 2, TrainingListener.NONE);
        assertNotEquals(Arrays.toString(trained.weights()), Arrays.toString(moved.weights()));
        assertEquals(1, moved.history().size());
    }

    @Test
    void weightsOfAnotherNetworkAreAClearError() {
        Enrollment wider = new Enrollment(SPEC, tiny().withChannels(new int[] {8, 16, 32}), Enrollment.Recipe.defaults());
        Enrollment.Takes takes = Enrollment.firstTakes(data.clips(), trained.split().evaluation(), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wider.fineTune(data, features,
                trained.split().train(), takes.enrolled(), takes.test(), trained.weights(), 2, TrainingListener.NONE));
        assertTrue(e.getMessage().contains("do not fit a CNN with channels [8, 16, 32]"), e.getMessage());
    }

    @Test
    void takesAreTheLowestOfEveryDigitByNumberThenName() {
        List<LabeledClip> clips = List.of(clip(3, 7, "b"), clip(3, 2, "c"), clip(3, -1, "a"), clip(5, 9, "d"), clip(5, 1, "e"));
        Enrollment.Takes t = Enrollment.firstTakes(clips, new int[] {0, 1, 2, 3, 4}, 1);
        assertArrayEquals(new int[] {1, 4}, t.enrolled(), "take 2 of digit 3, take 1 of digit 5");
        assertArrayEquals(new int[] {0, 2, 3}, t.test());
        Enrollment.Takes keepOne = Enrollment.choose(clips, new int[] {0, 1, 2, 3, 4}, n -> n - 1);
        assertArrayEquals(new int[] {0, 1, 4}, keepOne.enrolled(), "the last take of each digit (no number: last) is kept back");
    }

    private static LabeledClip clip(int digit, int take, String name) {
        return new LabeledClip(name, digit, "x", take, new float[1]);
    }

    @Test
    void losoWithEnrollmentTablesEverySpeakerByTakes(@TempDir Path out) throws Exception {
        OfflineTraining.Request r = new OfflineTraining.Request(out, out, SPEC, tiny().withEpochs(1), 1, List.of());
        OfflineTraining.LosoOutcome o = OfflineTraining.loso(r, data, new OfflineTraining.Progress() { },
                new OfflineTraining.LosoEnrollment(List.of(2, 1), new Enrollment.Recipe(1, 0.001f, 2)));
        assertEquals(List.of("a", "b", "c"), List.copyOf(o.enrolled().keySet()));
        for (Map<Integer, Double> byK : o.enrolled().values()) {
            assertEquals(List.of(0, 1, 2), List.copyOf(byK.keySet()));
            byK.values().forEach(a -> assertTrue(a >= 0 && a <= 1, "a fraction: " + a));
        }
        o.enrolledTestClips().values().forEach(n -> assertEquals(20, n, "4 takes per digit, the first 2 enrolled"));
        assertTrue(o.enrolledWorst(1) <= o.enrolledMean(1));
        var json = OfflineTraining.JSON.readTree(o.json().toFile());
        assertEquals(3, json.path("enrollment").path("mean_accuracy").size(), "k = 0, 1, 2");
        assertTrue(json.path("folds").path("b").path("enrollment").path("accuracy_by_enrolled_takes").has("2"));
        assertTrue(Files.readString(o.report()).contains("k=2"));
    }
}
