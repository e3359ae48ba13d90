package dev.hark.model.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hark.audio.Audio;
import dev.hark.audio.Resampler;
import dev.hark.audio.WavWriter;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dsp.LogMelExtractor;
import dev.hark.model.CnnWeights;
import dev.hark.model.TestModels;

/** {@link DigitClassifier} on real ONNX Runtime sessions of small random models. */
class DigitClassifierTest {

    static DigitModel model;
    static DigitClassifier classifier;

    @BeforeAll
    static void load() {
        model = DigitModel.load(TestModels.small(3, 42), DigitModel.Options.defaults());
        classifier = new DigitClassifier(model);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static float[] tone(double hz, int rate, double seconds) {
        float[] s = new float[(int) (rate * seconds)];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) (0.3 * Math.sin(2 * Math.PI * hz * i / rate) * Math.sin(Math.PI * i / s.length));
        }
        return s;
    }

    static float[] randomMatrix(Random random) {
        float[] m = new float[40 * 101];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) random.nextGaussian();
        }
        return m;
    }

    @Test
    void theDigitIsTheArgmaxAndTheLowerDigitWinsATie() {
        Classification c = Classification.of(new float[] {0.1f, 0.3f, 0.05f, 0.3f, 0.25f, 0, 0, 0, 0, 0});
        assertEquals(1, c.digit());
        assertEquals(0.3f, c.confidence());
        assertEquals(10, c.probabilityList().size());
        assertEquals(7, Classification.of(new float[] {0, 0, 0, 0, 0, 0, 0, 1, 0, 0}).digit());
        assertThrows(IllegalArgumentException.class, () -> Classification.of(new float[0]));
    }

    @Test
    void theModelsFeatureConfigurationComesFromItsMetadata() {
        assertEquals(TestModels.CONFIG_ID, classifier.featureConfigId());
        assertEquals(FeatureSpec.defaults(), classifier.spec());
        assertEquals(TestModels.CONFIG_ID, classifier.spec().id());
    }

    @Test
    void aBatchOfFeatureMatricesIsTheModelsProbabilitiesWithTheirArgmax() {
        Random random = new Random(5);
        float[][] batch = new float[7][];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = randomMatrix(random);
        }
        List<Classification> answers = classifier.classify(TestModels.CONFIG_ID, batch);
        float[][] p = model.predict(batch);
        assertEquals(batch.length, answers.size());
        for (int i = 0; i < batch.length; i++) {
            assertArrayEquals(p[i], answers.get(i).probabilities(), 1e-6f);
            assertEquals(Classification.of(p[i]).digit(), answers.get(i).digit());
            assertEquals(p[i][answers.get(i).digit()], answers.get(i).confidence(), 1e-6f);
        }
        // the low-copy form gives the same answers
        List<Classification> flat = classifier.classify(TestModels.CONFIG_ID, batch.length, input -> {
            for (float[] m : batch) {
                input.put(m);
            }
        });
        for (int i = 0; i < batch.length; i++) {
            assertArrayEquals(answers.get(i).probabilities(), flat.get(i).probabilities(), 1e-6f);
            assertEquals(answers.get(i).digit(), flat.get(i).digit());
        }
        assertTrue(classifier.classify(TestModels.CONFIG_ID, 0, input -> { }).isEmpty());
    }

    @Test
    void featuresOfAnotherConfigurationAreRefusedBeforeTheModelRuns() {
        float[][] batch = {randomMatrix(new Random(1))};
        var e = assertThrows(DigitClassifier.FeatureMismatchException.class, () -> classifier.classify("lm-other", batch));
        assertEquals("lm-other", e.featureConfigId());
        assertTrue(e.getMessage().contains("lm-other") && e.getMessage().contains(TestModels.CONFIG_ID)
                && e.getMessage().contains("version 3"), e.getMessage());
        assertThrows(DigitClassifier.FeatureMismatchException.class,
                () -> classifier.classify("lm-other", 1, input -> input.put(batch[0])));
        // an extractor for another configuration is refused as well
        FeatureSpec other = FeatureSpec.defaults().toBuilder().fMin(30f).build();
        assertThrows(DigitClassifier.FeatureMismatchException.class,
                () -> new DigitClassifier(model, new LogMelExtractor(other)));
    }

    @Test
    void audioIsDecodedResampledAndTurnedIntoLogMelWithTheModelsSpec(@TempDir Path dir) throws Exception {
        float[] at8k = tone(440, 8000, 0.6);
        LogMelExtractor extractor = new LogMelExtractor(FeatureSpec.defaults());
        float[] expectedInput = flatten(extractor.logMel(at8k));
        assertArrayEquals(expectedInput, classifier.input(at8k), 0f);
        Classification fromPcm = classifier.classify(at8k, 8000);
        assertArrayEquals(model.predict(expectedInput), fromPcm.probabilities(), 1e-6f);

        Path wav = dir.resolve("tone.wav");
        WavWriter.write(wav, at8k, 8000);
        Classification fromWav = classifier.classify(wav);
        assertEquals(fromPcm.digit(), fromWav.digit());
        assertArrayEquals(fromPcm.probabilities(), fromWav.probabilities(), 1e-3f); // 16-bit PCM in the file

        // at another rate: resampled to the model's first, as the feature stream does
        float[] at16k = tone(440, 16000, 0.6);
        Audio a = Audio.mono(at16k, 16000);
        float[] resampled = flatten(extractor.logMel(Resampler.toRate(a, 8000).samples()));
        assertArrayEquals(model.predict(resampled), classifier.classify(a).probabilities(), 1e-6f);
        assertArrayEquals(classifier.classify(a).probabilities(), classifier.classify(at16k, 16000).probabilities(), 0f);

        // a shared extractor gives the same answers
        DigitClassifier shared = new DigitClassifier(model, extractor);
        assertSame(extractor.spec(), shared.spec());
        assertArrayEquals(fromPcm.probabilities(), shared.classify(at8k, 8000).probabilities(), 0f);
    }

    @Test
    void aModelWhoseConfigurationDoesNotHashToItsIdIsRefusedForAudioButServesMatchingFeatures() {
        byte[] onnx = TestModels.onnx(4, "lm-000000000000", CnnWeights.random(1, 40, 101, 4, 8));
        try (DigitModel liar = DigitModel.load(onnx, DigitModel.Options.defaults())) {
            DigitClassifier c = new DigitClassifier(liar);
            var e = assertThrows(IllegalArgumentException.class, c::spec);
            assertTrue(e.getMessage().contains("lm-000000000000") && e.getMessage().contains("refusing"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> c.classify(tone(300, 8000, 0.5), 8000));
            // features said to be made with its configuration are its owner's business, as in the stream
            assertEquals(1, c.classify("lm-000000000000", new float[][] {new float[40 * 101]}).size());
        }
    }

    @Test
    void manyThreadsShareOneClassifier() throws Exception {
        float[] clip = tone(700, 8000, 0.5);
        float[] expected = classifier.classify(clip, 8000).probabilities();
        List<Thread> threads = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger wrong = new java.util.concurrent.atomic.AtomicInteger();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 20; i++) {
                    if (!java.util.Arrays.equals(expected, classifier.classify(clip, 8000).probabilities())) {
                        wrong.incrementAndGet();
                    }
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(0, wrong.get());
    }

    static float[] flatten(float[][] m) {
        float[] out = new float[m.length * m[0].length];
        for (int r = 0; r < m.length; r++) {
            System.arraycopy(m[r], 0, out, r * m[r].length, m[r].length);
        }
        return out;
    }
}
