package dev.hark.audio.dsp;

import dev.hark.audio.Audio;
import dev.hark.audio.dsp.FeatureSpec.Fit;
import dev.hark.audio.dsp.FeatureSpec.Normalisation;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogMelExtractorTest {

    private static final FeatureSpec RAW = FeatureSpec.defaults().toBuilder().normalisation(Normalisation.NONE).build();

    static float[] tone(double hz, int rate, int n, double amplitude) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return x;
    }

    static float[] noise(int n, long seed, double std) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * std);
        }
        return x;
    }

    @Test
    void shapes() {
        LogMelExtractor x = new LogMelExtractor(FeatureSpec.defaults());
        float[][] mel = x.mel(noise(3333, 1, 0.1));
        assertEquals(40, mel.length);
        assertEquals(1 + 3333 / 80, mel[0].length);
        float[][] model = x.logMel(noise(3333, 1, 0.1));
        assertEquals(40, model.length);
        assertEquals(101, model[0].length);
    }

    @Test
    void aToneLandsInTheBandAroundItsFrequencyWithTheExpectedPower() {
        LogMelExtractor x = new LogMelExtractor(RAW);
        float[][] mel = x.mel(tone(1000, 8000, 8000, 0.5));
        MelFilterbank fb = x.filterbank();
        int loudest = 0;
        for (int m = 1; m < 40; m++) {
            if (mel[m][50] > mel[loudest][50]) {
                loudest = m;
            }
        }
        assertTrue(fb.start(loudest) * 31.25 <= 1000 && (fb.start(loudest) + fb.length(loudest)) * 31.25 >= 1000,
                "1 kHz peaks in band " + loudest + " centred at " + fb.centreHz(loudest) + " Hz");
        // Parseval: Σ_k |X_k|² over all n_fft bins = n_fft · Σ (x·w)² ≈ n_fft · (A²/2) · Σw². A real tone puts
        // half of that in the positive bins, and inside the bank the triangles sum to 1 at every bin,
        // so the bands together must hold (n_fft/2) · (A²/2) · Σw².
        double total = 0;
        for (int m = 0; m < 40; m++) {
            total += mel[m][50];
        }
        double windowEnergy = 0;
        for (float w : LogMelExtractor.hannPeriodic(200)) {
            windowEnergy += w * w;
        }
        double expected = 256 / 2.0 * (0.5 * 0.5 / 2) * windowEnergy;
        assertEquals(expected, total, 0.01 * expected);
    }

    @Test
    void modelInputIsLogOfFlooredMelFittedAndNormalised() {
        FeatureSpec spec = RAW.toBuilder().clipFrames(10).build();
        LogMelExtractor x = new LogMelExtractor(spec);
        float[][] mel = {{1f, 2f, 0f, 4f}, {1e-9f, 1f, 1f, 1f}};
        float[][] out = x.toModelInput(mel);
        float floor = (float) Math.log(1e-6);
        // 4 frames centred in 10: 3 before, 3 after
        assertArrayEquals(new float[] {floor, floor, floor, 0f, (float) Math.log(2), floor, (float) Math.log(4), floor, floor, floor},
                out[0], 1e-6f);
        assertEquals(floor, out[1][3], 1e-6f, "below the floor is the floor");
        assertEquals(1f, mel[0][0], "input untouched");
    }

    @Test
    void fitCropsAndPadsAsDocumented() {
        float[][] eleven = new float[1][11];
        for (int t = 0; t < 11; t++) {
            eleven[0][t] = (float) Math.exp(t); // ln gives the frame index back
        }
        float[][] centre = new LogMelExtractor(RAW.toBuilder().clipFrames(4).build()).toModelInput(eleven);
        assertArrayEquals(new float[] {3, 4, 5, 6}, centre[0], 1e-5f, "middle frames, extra one dropped at the end");
        float[][] start = new LogMelExtractor(RAW.toBuilder().clipFrames(4).fit(Fit.START).build()).toModelInput(eleven);
        assertArrayEquals(new float[] {0, 1, 2, 3}, start[0], 1e-5f);

        float[][] three = {{1f, (float) Math.E, (float) (Math.E * Math.E)}};
        float floor = (float) Math.log(1e-6);
        float[][] padded = new LogMelExtractor(RAW.toBuilder().clipFrames(6).build()).toModelInput(three);
        assertArrayEquals(new float[] {floor, 0, 1, 2, floor, floor}, padded[0], 1e-5f, "odd pad frame goes at the end");
        float[][] padStart = new LogMelExtractor(RAW.toBuilder().clipFrames(6).fit(Fit.START).build()).toModelInput(three);
        assertArrayEquals(new float[] {0, 1, 2, floor, floor, floor}, padStart[0], 1e-5f);
    }

    @Test
    void utteranceNormalisationGivesZeroMeanUnitStdAndIgnoresGain() {
        LogMelExtractor x = new LogMelExtractor(FeatureSpec.defaults());
        float[] quiet = noise(8000, 3, 0.01);
        float[] loud = new float[quiet.length];
        for (int i = 0; i < loud.length; i++) {
            loud[i] = quiet[i] * 8;
        }
        float[][] a = x.logMel(quiet);
        float[][] b = x.logMel(loud);
        double sum = 0;
        double sumSq = 0;
        for (float[] row : a) {
            for (float v : row) {
                sum += v;
                sumSq += v * v;
            }
        }
        int n = 40 * 101;
        assertEquals(0, sum / n, 1e-4);
        assertEquals(1, Math.sqrt(sumSq / n - (sum / n) * (sum / n)), 1e-4);
        // a gain is a constant shift in the log domain, which mean removal cancels
        assertTrue(Fixtures.maxAbsDiff(a, b) < 1e-3, "gain changed features by " + Fixtures.maxAbsDiff(a, b));
    }

    @Test
    void bandNormalisationWorksPerBand() {
        LogMelExtractor x = new LogMelExtractor(FeatureSpec.defaults().toBuilder().normalisation(Normalisation.BAND_MEAN_STD).build());
        float[][] out = x.logMel(noise(8000, 4, 0.1));
        for (float[] row : out) {
            double sum = 0;
            double sumSq = 0;
            for (float v : row) {
                sum += v;
                sumSq += v * v;
            }
            assertEquals(0, sum / row.length, 1e-4);
            assertEquals(1, Math.sqrt(sumSq / row.length - (sum / row.length) * (sum / row.length)), 1e-3);
        }
    }

    @Test
    void silenceBecomesZerosNotNaN() {
        float[][] out = new LogMelExtractor(FeatureSpec.defaults()).logMel(new float[4000]);
        for (float[] row : out) {
            for (float v : row) {
                assertEquals(0f, v);
            }
        }
    }

    @Test
    void featuresResampleFirst() {
        LogMelExtractor x = new LogMelExtractor(RAW);
        float[][] at8k = x.mel(tone(700, 8000, 8000, 0.3));
        float[][] from48k = x.mel(dev.hark.audio.Resampler.toRate(
                Audio.mono(tone(700, 48000, 48000, 0.3), 48000), 8000).samples());
        float[][] viaFeatures = x.features(Audio.mono(tone(700, 48000, 48000, 0.3), 48000));
        assertEquals(101, viaFeatures[0].length);
        // same signal either way, apart from the resampler's ripple and the zero-padded ends
        double max = Fixtures.maxAbs(at8k);
        for (int m = 0; m < 40; m++) {
            for (int t = 5; t < 96; t++) {
                assertEquals(at8k[m][t], from48k[m][t], 1e-3 * max, "band " + m + " frame " + t);
            }
        }
        assertArrayEquals(x.toModelInput(from48k)[20], viaFeatures[20], 1e-6f);
    }

    @Test
    void reflectPaddingLikeNumpy() {
        // numpy.pad([0,1,2,3], 3, 'reflect') = [3,2,1, 0,1,2,3, 2,1,0]
        int[] expected = {3, 2, 1, 0, 1, 2, 3, 2, 1, 0};
        for (int i = -3; i < 7; i++) {
            assertEquals(expected[i + 3], LogMelExtractor.reflectIndex(i, 4), "index " + i);
        }
        assertEquals(0, LogMelExtractor.reflectIndex(-5, 1));
        assertEquals(1, LogMelExtractor.reflectIndex(-7, 4), "longer than the signal: keeps reflecting");
    }

    @Test
    void signalsShorterThanTheirPaddingStillWork() {
        // torch refuses reflect padding wider than the signal; we keep reflecting instead of failing a clip
        float[][] mel = new LogMelExtractor(RAW).mel(tone(1000, 8000, 50, 0.5));
        assertEquals(1, mel[0].length);
        assertTrue(mel[10][0] > 0);
        assertThrows(IllegalArgumentException.class, () -> new LogMelExtractor(RAW).mel(new float[0]));
        FeatureSpec noCenter = RAW.toBuilder().center(false).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LogMelExtractor(noCenter).mel(new float[255]));
        assertTrue(e.getMessage().contains("too short for one frame of 256"), e.getMessage());
    }

    @Test
    void hannWindowIsPeriodicLikeTorch() {
        float[] w = LogMelExtractor.hannPeriodic(4);
        assertArrayEquals(new float[] {0f, 0.5f, 1f, 0.5f}, w, 1e-7f); // torch.hann_window(4)
    }

    @Test
    void oneInstanceServesManyThreads() throws Exception {
        LogMelExtractor shared = new LogMelExtractor(FeatureSpec.defaults());
        List<float[]> inputs = new ArrayList<>();
        List<float[][]> expected = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            float[] x = noise(2000 + 500 * i, i, 0.05 + 0.01 * i);
            inputs.add(x);
            expected.add(new LogMelExtractor(FeatureSpec.defaults()).logMel(x));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int round = 0; round < 20; round++) {
                for (int i = 0; i < inputs.size(); i++) {
                    int k = i;
                    results.add(pool.submit(() -> java.util.Arrays.deepEquals(expected.get(k), shared.logMel(inputs.get(k)))));
                }
            }
            for (Future<Boolean> r : results) {
                assertTrue(r.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
