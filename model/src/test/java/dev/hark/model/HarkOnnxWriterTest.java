package dev.hark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.hark.model.TestModels;
import dev.hark.model.inference.DigitModel;

class HarkOnnxWriterTest {

    @Test
    void onnxRuntimeAgreesWithThePlainJavaForwardPass() throws Exception {
        // odd sizes on purpose: max-pool floors 41x37 -> 20x18 -> 10x9
        CnnWeights weights = CnnWeights.random(7, 41, 37, 6, 12, 10);
        byte[] onnx = TestModels.onnx(3, TestModels.CONFIG_ID, weights);
        Random random = new Random(11);
        int n = 5;
        float[][] inputs = new float[n][41 * 37];
        for (float[] input : inputs) {
            for (int i = 0; i < input.length; i++) {
                input[i] = (float) random.nextGaussian();
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] flat = new float[n * 41 * 37];
        for (int i = 0; i < n; i++) {
            System.arraycopy(inputs[i], 0, flat, i * 41 * 37, 41 * 37);
        }
        try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions());
             OnnxTensor x = OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(flat), new long[] {n, 1, 41, 37});
             OrtSession.Result result = session.run(Map.of(HarkOnnxWriter.INPUT, x))) {
            float[][] logits = (float[][]) result.get(HarkOnnxWriter.LOGITS).orElseThrow().getValue();
            float[][] probabilities = (float[][]) result.get(HarkOnnxWriter.PROBABILITIES).orElseThrow().getValue();
            for (int i = 0; i < n; i++) {
                assertArrayEquals(CnnReference.logits(weights, inputs[i]), logits[i], 1e-4f, "logits of clip " + i);
                assertArrayEquals(CnnReference.probabilities(weights, inputs[i]), probabilities[i], 1e-4f,
                        "probabilities of clip " + i);
            }
        }
        try (DigitModel model = DigitModel.load(onnx, DigitModel.Options.defaults())) {
            float[][] p = model.predict(inputs);
            for (int i = 0; i < n; i++) {
                assertArrayEquals(CnnReference.probabilities(weights, inputs[i]), p[i], 1e-4f, "DigitModel, clip " + i);
            }
        }
    }

    @Test
    void theDefaultArchitectureAgreesToo() {
        CnnWeights weights = TestModels.defaultArchitecture(3);
        assertEquals(16 * 9 + 16 + 32 * 16 * 9 + 32 + 64 * 32 * 9 + 64 + 96 * 64 * 9 + 96 + 960 + 10, weights.parameters());
        float[] input = new float[40 * 101];
        Random random = new Random(2);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) random.nextGaussian();
        }
        try (DigitModel model = DigitModel.load(TestModels.onnx(1, TestModels.CONFIG_ID, weights),
                DigitModel.Options.defaults())) {
            assertEquals(40, model.nMels());
            assertEquals(101, model.nFrames());
            assertArrayEquals(CnnReference.probabilities(weights, input), model.predict(input), 1e-4f);
        }
    }

    @Test
    void metadataComesBack() {
        byte[] onnx = TestModels.small(42, 1);
        HarkOnnxMetadata meta = HarkOnnxMetadata.read(onnx);
        assertEquals(42, meta.info().version());
        assertEquals(TestModels.CONFIG_ID, meta.info().featureConfigId());
        assertEquals(TestModels.featureConfig(), meta.info().featureConfig());
        assertEquals("0,1,2,3,4,5,6,7,8,9", meta.labels());
        assertEquals("probabilities", meta.output());
        assertTrue(meta.all().get(HarkOnnxMetadata.FEATURE_CONFIG).contains("\"nMels\":40"), meta.all().toString());
        try (DigitModel model = DigitModel.load(onnx, DigitModel.Options.defaults())) {
            assertEquals(meta, model.metadata());
        }
    }

    @Test
    void badWeightsAndBadModelsAreClearErrors() {
        assertThrows(IllegalArgumentException.class, () -> new CnnWeights.ConvLayer(new float[5], new float[2], 2, 1));
        CnnWeights ok = CnnWeights.random(1, 8, 8, 2);
        assertThrows(IllegalArgumentException.class, () -> new CnnWeights(List.of(ok.convs().get(0)),
                new float[3], new float[10], 8, 8));
        DigitModel.LoadException e = assertThrows(DigitModel.LoadException.class,
                () -> DigitModel.load("not a model".getBytes(), DigitModel.Options.defaults()));
        assertTrue(e.getMessage().contains("cannot load"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HarkOnnxMetadata.read(new byte[] {1, 2, 3}));
    }

    @Test
    void aClosedModelFinishesItsUsersFirst() {
        DigitModel model = DigitModel.load(TestModels.small(1, 1), DigitModel.Options.defaults());
        assertTrue(model.tryRetain());
        model.close();
        assertTrue(!model.isSessionClosed(), "a user still holds it");
        assertEquals(10, model.predict(new float[40 * 101]).length);
        model.release();
        assertTrue(model.isSessionClosed());
        assertThrows(IllegalStateException.class, () -> model.predict(new float[40 * 101]));
    }
}
