package dev.hark.audio.dsp;

import be.tarsos.dsp.util.fft.FloatFFT;
import dev.hark.audio.Audio;
import dev.hark.audio.WavDecoder;
import dev.hark.audio.WavWriter;
import dev.hark.audio.bench.DspBenchmark;

import java.util.Arrays;
import java.util.Random;


/**
 * Rough per-stage timing of the 8 kHz clip pipeline (not a benchmark: use DspBenchmark for figures).
 * Stages run interleaved in rounds so a noisy, shared machine hits them alike; prints the median
 * and minimum thread-CPU µs per call over rounds. Run with the DspBenchmark classpath:
 * {@code java -cp ... dev.hark.audio.dsp.StageProbe [rounds]}.
 */
public final class StageProbe {

    static volatile Object sink;

    interface Stage {
        Object run();
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 && args[0].matches("\\d+") ? Integer.parseInt(args[0]) : 40;
        float[] x = DspBenchmark.speechLike(8000);
        byte[] wav = WavWriter.toBytes(x, 8000);
        LogMelExtractor ex = new LogMelExtractor(FeatureSpec.defaults());
        if (args.length > 1 && args[1].equals("dump")) { // every float of mel() and logMel() for a few specs and signals
            dump(args[0]);
            return;
        }
        if (args.length > 1 && args[1].equals("loop")) { // for a profiler: the full pipeline for `rounds` seconds
            long end = System.nanoTime() + rounds * 1_000_000_000L;
            long n = 0;
            while (System.nanoTime() < end) {
                for (int i = 0; i < 100; i++) {
                    sink = ex.features(WavDecoder.decode(wav, "p"));
                }
                n += 100;
            }
            System.out.printf("%.0f clips/s%n", n / (double) rounds);
            return;
        }
        float[] signal = WavDecoder.decode(wav, "p").samples();
        float[][] mel = ex.mel(signal);
        FloatFFT fft = new FloatFFT(256);
        float[] z0 = new float[512];
        Random r = new Random(1);
        for (int i = 0; i < z0.length; i++) {
            z0[i] = (float) r.nextGaussian();
        }
        float[] z = new float[512];
        float[] zr = new float[256];
        String[] names = {"full features()", "decode", "mel()", "toModelInput()", "51 complexForward(512)", "51 PackedFft.transform",
                "101 realForward(256)", "51 x arraycopy 512 (copy cost)", "51 loadPair", "51 unpackPower",
                "filterbank.applyBins(101)"};
        float[][] powerBins = new float[129][128];
        float[][] melBands = new float[40][128];
        PackedFft packed = new PackedFft(256);
        int[] order = packed.positions();
        System.out.println("PackedFft reordered: " + packed.reordered());
        Stage[] stages = {
                () -> ex.features(WavDecoder.decode(wav, "p")),
                () -> WavDecoder.decode(wav, "p"),
                () -> ex.mel(signal),
                () -> ex.toModelInput(mel),
                () -> {
                    for (int k = 0; k < 51; k++) {
                        System.arraycopy(z0, 0, z, 0, 512);
                        fft.complexForward(z);
                    }
                    return z;
                },
                () -> {
                    for (int k = 0; k < 51; k++) {
                        System.arraycopy(z0, 0, z, 0, 512);
                        packed.transform(z);
                    }
                    return z;
                },
                () -> {
                    for (int k = 0; k < 101; k++) {
                        System.arraycopy(z0, 0, zr, 0, 256);
                        fft.realForward(zr);
                    }
                    return zr;
                },
                () -> {
                    for (int k = 0; k < 51; k++) {
                        System.arraycopy(z0, 0, z, 0, 512);
                        z[k] += 1;
                    }
                    return z;
                },
                () -> {
                    for (int u = 0; u < 101; u += 2) {
                        ex.loadPair(signal, u, u + 1 < 101, z);
                    }
                    return z;
                },
                () -> {
                    for (int u = 0; u < 101; u += 2) {
                        LogMelExtractor.unpackPower(z0, order, 256, powerBins, u);
                    }
                    return powerBins;
                },
                () -> {
                    ex.filterbank().applyBins(powerBins, 101, melBands);
                    return melBands;
                },
        };
        // stages an older build of the main classes lacks (for before/after runs with it first on the class path)
        boolean[] missing = new boolean[stages.length];
        for (int si = 0; si < stages.length; si++) {
            try {
                stages[si].run();
            } catch (NoSuchMethodError e) {
                missing[si] = true;
                Stage none = () -> null;
                stages[si] = none;
            }
        }
        // warm up
        long until = System.nanoTime() + 8_000_000_000L;
        while (System.nanoTime() < until) {
            for (Stage s : stages) {
                for (int i = 0; i < 200; i++) {
                    sink = s.run();
                }
            }
        }
        int reps = 20;
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        double[][] us = new double[stages.length][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int si = 0; si < stages.length; si++) {
                long t0 = cpu.getCurrentThreadCpuTime(); // CPU time: the machine is shared
                for (int i = 0; i < reps; i++) {
                    sink = stages[si].run();
                }
                us[si][round] = (cpu.getCurrentThreadCpuTime() - t0) / 1e3 / reps;
            }
        }
        for (int si = 0; si < stages.length; si++) {
            if (missing[si]) {
                System.out.printf("%-34s (not in this build)%n", names[si]);
                continue;
            }
            double[] v = us[si].clone();
            Arrays.sort(v);
            System.out.printf("%-34s median %8.2f µs   p10 %8.2f µs   min %8.2f µs%n", names[si], v[v.length / 2],
                    v[v.length / 10], v[0]);
        }
        double[] full = us[0].clone();
        Arrays.sort(full);
        System.out.printf("full pipeline: %.0f clips/s at the median, %.0f at the minimum%n", 1e6 / full[full.length / 2], 1e6 / full[0]);
    }

    static void dump(String file) throws java.io.IOException {
        FeatureSpec[] specs = {
                FeatureSpec.defaults(),
                FeatureSpec.defaults().toBuilder().melScale(FeatureSpec.MelScale.SLANEY).melNorm(FeatureSpec.MelNorm.SLANEY)
                        .normalisation(FeatureSpec.Normalisation.BAND_MEAN_STD).fit(FeatureSpec.Fit.START)
                        .padMode(FeatureSpec.PadMode.CONSTANT).build(),
                FeatureSpec.defaults().toBuilder().sampleRate(16000).nFft(400).winLength(400).hopLength(160).nMels(64)
                        .fMin(0).fMax(8000).power(1f).center(false).build(),
        };
        Random r = new Random(7);
        // mel() to FILE.mel, logMel() to FILE.log, so two builds can be compared part by part
        try (java.io.DataOutputStream melOut = new java.io.DataOutputStream(new java.io.BufferedOutputStream(
                new java.io.FileOutputStream(file + ".mel")));
             java.io.DataOutputStream logOut = new java.io.DataOutputStream(new java.io.BufferedOutputStream(
                new java.io.FileOutputStream(file + ".log")))) {
            for (FeatureSpec spec : specs) {
                LogMelExtractor ex = new LogMelExtractor(spec);
                for (int n : new int[] {8000, 3333, 150, 20, 1, 401, 20000, 10241, 16000}) {
                    float[] x = n == 8000 ? DspBenchmark.speechLike(8000) : new float[n];
                    if (n != 8000) {
                        for (int i = 0; i < n; i++) {
                            x[i] = (float) (0.1 * r.nextGaussian());
                        }
                    }
                    if (spec.framesFor(n) < 1) {
                        continue;
                    }
                    for (float[] row : ex.mel(x)) {
                        for (float v : row) {
                            melOut.writeFloat(v);
                        }
                    }
                    for (float[] row : ex.logMel(x)) {
                        for (float v : row) {
                            logOut.writeFloat(v);
                        }
                    }
                }
            }
        }
    }
}
