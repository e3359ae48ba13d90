package dev.hark.audio.bench;

import dev.hark.audio.WavDecoder;
import dev.hark.audio.WavWriter;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dsp.LogMelExtractor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Clips per second on one thread: WAV bytes of a 1 s clip -> decode -> resample to 8 kHz -> log-mel
 * model input (default FeatureSpec), for 8 kHz and 48 kHz input, against {@link StraightforwardLogMel}.
 * Targets for DSP speed are ratios to that baseline measured in the same run (the machine's speed moves
 * between runs, the ratio much less), so {@link #main} ends with them. Defaults are the short run docs/dsp.md
 * reports; command-line flags override them. Command: docs/benchmarks.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
public class DspBenchmark {

    private byte[] wav8k;
    private byte[] wav48k;
    private LogMelExtractor hark;
    private StraightforwardLogMel straightforward;
    private StraightforwardLogMel naiveDft;

    @Setup
    public void setUp() {
        wav8k = WavWriter.toBytes(speechLike(8000), 8000);
        wav48k = WavWriter.toBytes(speechLike(48000), 48000);
        hark = new LogMelExtractor(FeatureSpec.defaults());
        straightforward = new StraightforwardLogMel(FeatureSpec.defaults(), false);
        naiveDft = new StraightforwardLogMel(FeatureSpec.defaults(), true);
    }

    /** 1 s of a gliding harmonic tone in noise: the content does not change the work, the length does. */
    public static float[] speechLike(int rate) {
        Random r = new Random(42);
        float[] x = new float[rate];
        double phase = 0;
        for (int i = 0; i < x.length; i++) {
            double f0 = 120 + 60 * Math.sin(2 * Math.PI * 1.5 * i / rate);
            phase += 2 * Math.PI * f0 / rate;
            double v = 0;
            for (int h = 1; h <= 8; h++) {
                v += Math.sin(h * phase) / h;
            }
            x[i] = (float) (0.2 * v + 0.01 * r.nextGaussian());
        }
        return x;
    }

    @Benchmark
    public float[][] hark8k() {
        return hark.features(WavDecoder.decode(wav8k, "bench-8k.wav"));
    }

    @Benchmark
    public float[][] hark48k() {
        return hark.features(WavDecoder.decode(wav48k, "bench-48k.wav"));
    }

    @Benchmark
    public float[][] straightforward8k() throws Exception {
        return straightforward.features(wav8k);
    }

    @Benchmark
    public float[][] straightforward48k() throws Exception {
        return straightforward.features(wav48k);
    }

    @Benchmark
    public float[][] naiveDft8k() throws Exception {
        return naiveDft.features(wav8k);
    }

    /**
     * Runs this benchmark with the defaults above (arguments are passed to JMH's command line), then
     * prints each Hark row's ratio to its baselines from this same run.
     */
    public static void main(String[] args) throws Exception {
        String[] all = new String[args.length + 1];
        all[0] = DspBenchmark.class.getName();
        System.arraycopy(args, 0, all, 1, args.length);
        CommandLineOptions options = new CommandLineOptions(all);
        if (options.shouldHelp() || options.shouldList() || options.shouldListWithParams()
                || options.shouldListProfilers() || options.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(all);
            return;
        }
        Collection<RunResult> results = new Runner(options).run();
        Map<String, Double> clipsPerSecond = new LinkedHashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            clipsPerSecond.put(name.substring(name.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
        }
        System.out.println();
        System.out.print(ratios(clipsPerSecond));
    }

    /** Hark against each baseline, both measured in this run: {@code hark / baseline} clips per second. */
    static String ratios(Map<String, Double> clipsPerSecond) {
        String[][] pairs = {
                {"hark8k", "straightforward8k"},
                {"hark8k", "naiveDft8k"},
                {"hark48k", "straightforward48k"},
        };
        StringBuilder out = new StringBuilder("Ratios in this run (clips/s, Hark / baseline):\n");
        for (String[] p : pairs) {
            Double hark = clipsPerSecond.get(p[0]);
            Double base = clipsPerSecond.get(p[1]);
            if (hark == null || base == null || base <= 0) {
                out.append(String.format(Locale.ROOT, "  %-8s / %-18s  not both in this run%n", p[0], p[1]));
            } else {
                out.append(String.format(Locale.ROOT, "  %-8s / %-18s %10.1f / %-10.1f = %6.2fx%n",
                        p[0], p[1], hark, base, hark / base));
            }
        }
        return out.toString();
    }
}
