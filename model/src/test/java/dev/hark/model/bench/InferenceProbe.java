package dev.hark.model.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

import ai.onnxruntime.OrtSession;
import dev.hark.model.inference.DigitModel;

/**
 * A quick look beside JMH that separates the code's own cost from a busy machine: for the default CNN
 * it measures clips per wall-clock second and per CPU second of the calling thread (the per-core
 * figure, unaffected by other processes taking the core), for batches of 1, 8, 32, 64, and the
 * single-clip latency distribution in wall and CPU time.
 * Arguments: [seconds per measurement (default 3)] [optimisation level: ALL_OPT, EXTENDED_OPT, BASIC_OPT].
 */
public final class InferenceProbe {
    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        OrtSession.SessionOptions.OptLevel level = args.length > 1
                ? OrtSession.SessionOptions.OptLevel.valueOf(args[1]) : OrtSession.SessionOptions.OptLevel.ALL_OPT;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (DigitModel model = DigitModel.load(dev.hark.model.TestModels.onnx(1,
                dev.hark.model.TestModels.CONFIG_ID, dev.hark.model.TestModels.defaultArchitecture(1)),
                new DigitModel.Options(1, level))) {
            System.out.println("optimisation " + level + ", 1 intra-op thread, default CNN 16-32-64-96 on 40x101");
            System.out.println("batch  clips/s (wall)  clips/s (CPU of this thread)");
            for (int batch : new int[] {1, 8, 32, 64}) {
                float[][] clips = ClassifierBenchmark.randomClips(batch);
                long end = System.nanoTime() + (long) (seconds * 0.3e9);
                while (System.nanoTime() < end) {
                    model.predict(clips); // warm-up
                }
                long n = 0;
                long cpu0 = threads.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                end = t0 + (long) (seconds * 1e9);
                while (System.nanoTime() < end) {
                    model.predict(clips);
                    n += batch;
                }
                double wall = (System.nanoTime() - t0) / 1e9;
                double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
                System.out.printf(Locale.ROOT, "%5d  %14.0f  %14.0f%n", batch, n / wall, n / cpu);
            }
            float[] clip = ClassifierBenchmark.randomClips(1)[0];
            int samples = (int) Math.max(2000, seconds * 2000);
            long[] wall = new long[samples];
            long[] cpu = new long[samples];
            for (int i = 0; i < samples; i++) {
                long c0 = threads.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                model.predict(clip);
                wall[i] = System.nanoTime() - t0;
                cpu[i] = threads.getCurrentThreadCpuTime() - c0;
            }
            Arrays.sort(wall);
            Arrays.sort(cpu);
            System.out.printf(Locale.ROOT, "single clip, %d calls: wall p50 %.3f ms, p99 %.3f ms; CPU p50 %.3f ms, p99 %.3f ms%n",
                    samples, wall[samples / 2] / 1e6, wall[samples * 99 / 100] / 1e6, cpu[samples / 2] / 1e6,
                    cpu[samples * 99 / 100] / 1e6);
        }
    }
}
