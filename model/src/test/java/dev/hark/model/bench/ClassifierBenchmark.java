package dev.hark.model.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import dev.hark.model.TestModels;
import dev.hark.model.inference.DigitModel;

/**
 * ONNX Runtime inference of the trainer's default CNN (channels 16, 32, 64, 96 on 40×101 log-mel) on
 * one thread with one intra-op thread, as the classifier stream runs it ({@link DigitModel}: direct
 * input buffer, spinning off):
 *
 * <ul>
 *   <li>{@code batched}: clips per second for batches of 1, 8, 32 and 64 (the {@code clips} counter);
 *       batch 1 is the unbatched baseline of the same run;</li>
 *   <li>{@code singleClip}: the latency distribution of one clip (p50, p99 in the sample-time output).</li>
 * </ul>
 * Command and results: docs/benchmarks.md (classifier).
 */
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class ClassifierBenchmark {

    static DigitModel defaultModel() {
        return DigitModel.load(TestModels.onnx(1, TestModels.CONFIG_ID, TestModels.defaultArchitecture(1)),
                DigitModel.Options.defaults());
    }

    static float[][] randomClips(int n) {
        Random random = new Random(5);
        float[][] clips = new float[n][40 * 101];
        for (float[] clip : clips) {
            for (int i = 0; i < clip.length; i++) {
                clip[i] = (float) random.nextGaussian();
            }
        }
        return clips;
    }

    /** A batch of {@code batch} clips and the model. */
    @State(Scope.Thread)
    public static class Batch {
        @Param({"1", "8", "32", "64"})
        public int batch;
        DigitModel model;
        float[][] clips;

        @Setup
        public void setUp() {
            model = defaultModel();
            clips = randomClips(batch);
        }

        @TearDown
        public void tearDown() {
            model.close();
        }
    }

    /** One clip and the model. */
    @State(Scope.Thread)
    public static class Single {
        DigitModel model;
        float[] clip;

        @Setup
        public void setUp() {
            model = defaultModel();
            clip = randomClips(1)[0];
        }

        @TearDown
        public void tearDown() {
            model.close();
        }
    }

    /** Clips scored, reported per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Clips {
        public long clips;

        @Setup(Level.Iteration)
        public void reset() {
            clips = 0;
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    public float[][] batched(Batch state, Clips counter) {
        float[][] p = state.model.predict(state.clips);
        counter.clips += state.clips.length;
        return p;
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public float[] singleClip(Single state) {
        return state.model.predict(state.clip);
    }

    public static void main(String[] args) throws Exception {
        String[] all = new String[args.length + 1];
        all[0] = ClassifierBenchmark.class.getName();
        System.arraycopy(args, 0, all, 1, args.length);
        org.openjdk.jmh.Main.main(all);
    }
}
