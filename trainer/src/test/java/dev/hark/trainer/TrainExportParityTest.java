package dev.hark.trainer;

import dev.hark.model.inference.DigitModel;
import dev.hark.model.HarkOnnxMetadata;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dsp.LogMelExtractor;
import dev.hark.trainer.data.LabeledClip;
import dev.hark.trainer.eval.ModelEvaluator;
import dev.hark.trainer.export.OnnxExport;
import dev.hark.trainer.model.Augmentation;
import dev.hark.trainer.model.CnnTrainer;
import dev.hark.trainer.model.TrainedModel;
import dev.hark.trainer.model.TrainingOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training learns, the ONNX export computes what DJL computes, and a seed reproduces a model bit for bit. */
class TrainExportParityTest {

    static final FeatureSpec SPEC = FeatureSpec.defaults();
    static final LogMelExtractor EXTRACTOR = new LogMelExtractor(SPEC);
    static List<LabeledClip> clips;
    static float[][][] features;
    static int[] train;
    static int[] test;

    static TrainingOptions quick() {
        return TrainingOptions.defaults().withEpochs(12).withBatchSize(16).withThreads(2).withChannels(new int[] {8, 16, 32})
                .withAugmentation(Augmentation.parse("speed=0.1,noise=0.5,shift=0.05,vtlp=0.1"));
    }

    @BeforeAll
    static void data() {
        clips = SyntheticDigits.clips(12, new String[] {"a", "b", "c", "d"}, 7);
        features = new CnnTrainer(EXTRACTOR, quick()).features(clips);
        train = IntStream.range(0, clips.size()).filter(i -> !clips.get(i).speaker().equals("d")).toArray();
        test = IntStream.range(0, clips.size()).filter(i -> clips.get(i).speaker().equals("d")).toArray();
    }

    @Test
    void learnsExportsAndOnnxRuntimeAgreesWithDjl() throws Exception {
        try (TrainedModel model = new CnnTrainer(EXTRACTOR, quick()).train(clips, features, train, test,
                dev.hark.trainer.model.TrainingListener.NONE)) {
            assertEquals(12, model.history().size());
            double lastVal = model.history().get(11).validationAccuracy();
            assertTrue(lastVal >= 0.5, "a held-out synthetic speaker: chance is 0.1, got " + lastVal);

            byte[] onnx = OnnxExport.export(model, SPEC, 3);
            HarkOnnxMetadata meta = HarkOnnxMetadata.read(onnx);
            assertEquals(3, meta.info().version());
            assertEquals(SPEC.id(), meta.info().featureConfigId());

            float[][][] inputs = Arrays.stream(test).mapToObj(i -> features[i]).toArray(float[][][]::new);
            double diff = OnnxExport.maxLogitDifference(model, onnx, inputs);
            assertTrue(diff < OnnxExport.PARITY_TOLERANCE, "ONNX Runtime vs DJL max |logit diff| " + diff);

            // The classifier's inference path gives the same accuracy as DJL's last validation.
            try (DigitModel served = DigitModel.load(onnx, DigitModel.Options.defaults())) {
                List<LabeledClip> held = Arrays.stream(test).mapToObj(clips::get).toList();
                ModelEvaluator.Scored scored = ModelEvaluator.score(served, EXTRACTOR, held, 2, n -> { });
                assertEquals(lastVal, scored.evaluation().accuracy(), 1e-9);
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameModel() {
        TrainingOptions o = quick().withEpochs(2);
        byte[] first;
        byte[] second;
        try (TrainedModel m = new CnnTrainer(EXTRACTOR, o).train(clips, features, train, new int[0],
                dev.hark.trainer.model.TrainingListener.NONE)) {
            first = OnnxExport.export(m, SPEC, 1);
        }
        try (TrainedModel m = new CnnTrainer(EXTRACTOR, o).train(clips, features, train, new int[0],
                dev.hark.trainer.model.TrainingListener.NONE)) {
            second = OnnxExport.export(m, SPEC, 1);
        }
        assertEquals(dev.hark.audio.Digests.sha256(first), dev.hark.audio.Digests.sha256(second));
        try (TrainedModel m = new CnnTrainer(EXTRACTOR, o.withSeed(43)).train(clips, features, train, new int[0],
                dev.hark.trainer.model.TrainingListener.NONE)) {
            byte[] other = OnnxExport.export(m, SPEC, 1);
            assertTrue(!Arrays.equals(first, other), "another seed must give another model");
        }
    }
}
