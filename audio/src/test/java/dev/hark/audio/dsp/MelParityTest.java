package dev.hark.audio.dsp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hark.audio.WavDecoder;
import dev.hark.testing.SharedData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Our mel power against torchaudio.transforms.MelSpectrogram on real FSDD recordings and synthetic
 * signals, for the default configuration and variants: max |diff| ≤ 1e-4 · max(reference).
 */
class MelParityTest {

    static final double TOLERANCE = 1e-4;

    private static final JsonNode INDEX = Fixtures.read("index.json");

    @Test
    void theDefaultFixtureConfigurationIsOurDefault() {
        FeatureSpec fromFixtures = Fixtures.spec(INDEX.get("configs").get("default"));
        assertEquals(FeatureSpec.defaults().id(), fromFixtures.id(),
                "FeatureSpec defaults changed: update CONFIGS['default'] in make_mel_fixtures.py and re-run it");
    }

    @TestFactory
    List<DynamicTest> melMatchesTorchaudio() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode f : INDEX.get("fixtures")) {
            String file = f.get("file").asText();
            tests.add(DynamicTest.dynamicTest(file, () -> check(f)));
        }
        assertTrue(tests.size() >= 16, "too few fixtures: " + tests.size());
        return tests;
    }

    private static void check(JsonNode f) throws IOException {
        FeatureSpec spec = Fixtures.spec(INDEX.get("configs").get(f.get("config").asText()));
        float[] signal;
        if (f.get("kind").asText().equals("fsdd")) {
            Path recordings = SharedData.requireFsdd();
            signal = WavDecoder.decode(recordings.resolve(f.get("source").asText())).samples();
        } else {
            signal = Fixtures.floats(Fixtures.read(f.get("source").asText()).get("samples").asText());
        }
        assertEquals(f.get("length").asInt(), signal.length, "signal length");

        JsonNode ref = Fixtures.read(f.get("file").asText());
        int nMels = ref.get("n_mels").asInt();
        int frames = ref.get("n_frames").asInt();
        float[][] expected = Fixtures.matrix(ref.get("mel").asText(), nMels, frames);
        float[][] actual = new LogMelExtractor(spec).mel(signal);

        assertEquals(nMels, actual.length, "bands");
        assertEquals(frames, actual[0].length, "frames");
        assertEquals(frames, spec.framesFor(signal.length), "FeatureSpec.framesFor");
        double max = Fixtures.maxAbs(expected);
        double diff = Fixtures.maxAbsDiff(expected, actual);
        System.out.printf(Locale.ROOT, "parity %-34s %2dx%-3d max %.4g  max|diff| %.3g  (%.2e of max)%n",
                f.get("file").asText(), nMels, frames, max, diff, diff / max);
        assertTrue(diff <= TOLERANCE * max, String.format(Locale.ROOT,
                "%s: max |diff| %.4g exceeds %.0e x max %.4g", f.get("file").asText(), diff, TOLERANCE, max));
    }

    @TestFactory
    List<DynamicTest> filterbankMatchesMelscaleFbanks() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode fb : Fixtures.read("fbanks.json").get("fbanks")) {
            int nFreqs = fb.get("n_freqs").asInt();
            int nMels = fb.get("n_mels").asInt();
            FeatureSpec.MelNorm norm = FeatureSpec.MelNorm.parse(fb.get("norm").isNull() ? null : fb.get("norm").asText());
            FeatureSpec.MelScale scale = FeatureSpec.MelScale.parse(fb.get("mel_scale").asText());
            String name = String.format(Locale.ROOT, "%d bins, %s-%s Hz, %d mels, %d Hz, norm %s, %s", nFreqs,
                    fb.get("f_min").asText(), fb.get("f_max").asText(), nMels, fb.get("sample_rate").asInt(), norm.code(),
                    scale.code());
            tests.add(DynamicTest.dynamicTest(name, () -> {
                float[][] expected = Fixtures.matrix(fb.get("fb").asText(), nFreqs, nMels);
                float[][] actual = Filterbanks.dense(MelFilterbank.create(nFreqs, fb.get("f_min").asDouble(), fb.get("f_max").asDouble(),
                        nMels, fb.get("sample_rate").asInt(), norm, scale));
                double max = Fixtures.maxAbs(expected);
                for (int f = 0; f < nFreqs; f++) {
                    assertArrayEquals(expected[f], actual[f], (float) (1e-5 * max), "bin " + f);
                }
            }));
        }
        return tests;
    }
}
