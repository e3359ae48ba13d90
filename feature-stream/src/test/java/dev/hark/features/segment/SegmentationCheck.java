package dev.hark.features.segment;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import dev.hark.audio.Audio;
import dev.hark.audio.Pcm16;
import dev.hark.audio.Resampler;
import dev.hark.audio.WavDecoder;

/**
 * Measures segmentation on real recordings: concatenates them with 300–800 ms of low noise between
 * them, streams the result through {@link DeviceAudio} in 20–100 ms chunks, and counts the
 * recordings that come back as exactly one clip containing them. The same code path as the
 * stream's per-device processor, without Kafka.
 */
public final class SegmentationCheck {

    /** Where each recording sits in the concatenated stream. */
    public record Placed(String name, long start, long end) {
    }

    /** A streamed scene: the concatenated audio and where each recording is. */
    public record Scene(short[] pcm, int sampleRate, List<Placed> placed) {
    }

    /** The outcome for the whole scene. */
    public record Report(int utterances, int single, int missed, int split, int merged, int clips, int spurious,
                         double meanEndpointMs) {
        public double singleFraction() {
            return utterances == 0 ? 0 : (double) single / utterances;
        }

        @Override
        public String toString() {
            return String.format("%d utterances: %d recovered as single clips (%.2f%%), %d missed, %d split, %d merged"
                            + " with a neighbour; %d clips, %d spurious (match no recording)",
                    utterances, single, 100.0 * singleFraction(), missed, split, merged, clips, spurious);
        }
    }

    /** Overlap below this is a clip's pre/post-roll brushing a neighbour, not a merge. */
    public static final int EDGE_TOLERANCE_MS = 30;
    /** A clip "contains" a recording when it holds at least this share of the recording's energy. */
    public static final double CONTAINED_ENERGY = 0.99;

    /** Gap noise: about -70 dBFS, a quiet room through a decent microphone. */
    public static final double LOW_NOISE_RMS = 0.0003;

    private SegmentationCheck() {
    }

    public static List<Path> recordings(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".wav")).sorted().toList();
        }
    }

    /** Concatenates the recordings (shuffled with {@code seed}) with low-noise gaps, at {@code rate}. */
    public static Scene scene(List<Path> files, int rate, long seed, double noiseRms) throws IOException {
        List<Path> order = new ArrayList<>(files);
        Random random = new Random(seed);
        Collections.shuffle(order, random);
        List<short[]> parts = new ArrayList<>();
        List<Placed> placed = new ArrayList<>();
        long at = 0;
        short[] lead = noise(rate * 500 / 1000, noiseRms, random);
        parts.add(lead);
        at += lead.length;
        for (Path file : order) {
            Audio audio = Resampler.toRate(WavDecoder.decode(file), rate);
            short[] pcm = toShorts(audio.samples());
            parts.add(pcm);
            placed.add(new Placed(file.getFileName().toString(), at, at + pcm.length));
            at += pcm.length;
            short[] gap = noise(rate * (300 + random.nextInt(501)) / 1000, noiseRms, random);
            parts.add(gap);
            at += gap.length;
        }
        short[] all = new short[(int) at];
        int pos = 0;
        for (short[] p : parts) {
            System.arraycopy(p, 0, all, pos, p.length);
            pos += p.length;
        }
        return new Scene(all, rate, placed);
    }

    /** Streams the scene through one device's state in random 20–100 ms chunks. */
    public static List<DeviceAudio.Cut> stream(Scene scene, DeviceAudio.Settings settings, long seed) {
        Random random = new Random(seed);
        DeviceAudio device = new DeviceAudio(settings);
        List<DeviceAudio.Cut> cuts = new ArrayList<>();
        long now = 1_000_000;
        long seq = 0;
        int pos = 0;
        while (pos < scene.pcm().length) {
            int ms = 20 + random.nextInt(81);
            int n = Math.min(scene.pcm().length - pos, scene.sampleRate() * ms / 1000);
            short[] chunk = java.util.Arrays.copyOfRange(scene.pcm(), pos, pos + n);
            now += ms;
            cuts.addAll(device.accept("session-1", seq++, pos, scene.sampleRate(), chunk, now, now).cuts());
            cuts.addAll(device.onTimer(now));
            pos += n;
        }
        cuts.addAll(device.onTimer(now + settings.idleCloseMs()));
        return cuts;
    }

    /** Matches clips to recordings. */
    public static Report evaluate(Scene scene, List<DeviceAudio.Cut> cuts) {
        long tol = (long) scene.sampleRate() * EDGE_TOLERANCE_MS / 1000;
        List<Placed> placed = scene.placed();
        int[] overlapping = new int[placed.size()];
        boolean[] contained = new boolean[placed.size()];
        boolean[] merged = new boolean[placed.size()];
        int spurious = 0;
        double endpointSum = 0;
        int endpoints = 0;
        for (DeviceAudio.Cut cut : cuts) {
            long cs = cut.utterance().startSample();
            long ce = cut.utterance().endSample();
            List<Integer> hits = new ArrayList<>();
            for (int i = firstEndingAfter(placed, cs); i < placed.size() && placed.get(i).start() < ce; i++) {
                Placed p = placed.get(i);
                long overlap = Math.min(ce, p.end()) - Math.max(cs, p.start());
                if (overlap > tol) {
                    hits.add(i);
                }
            }
            if (hits.isEmpty()) {
                spurious++;
            }
            for (int i : hits) {
                overlapping[i]++;
                Placed p = placed.get(i);
                if (energyShare(scene.pcm(), p, cs, ce) >= CONTAINED_ENERGY) {
                    contained[i] = true;
                    endpointSum += (ce - p.end()) * 1000.0 / scene.sampleRate();
                    endpoints++;
                }
                if (hits.size() > 1) {
                    merged[i] = true;
                }
            }
        }
        int single = 0;
        int missed = 0;
        int split = 0;
        int mergedCount = 0;
        for (int i = 0; i < placed.size(); i++) {
            if (overlapping[i] == 0) {
                missed++;
            } else if (merged[i]) {
                mergedCount++;
            } else if (overlapping[i] > 1 || !contained[i]) {
                split++;
            } else {
                single++;
            }
        }
        return new Report(placed.size(), single, missed, split, mergedCount, cuts.size(), spurious,
                endpoints == 0 ? 0 : endpointSum / endpoints);
    }

    /** The share of the recording's signal energy that lies inside [cs, ce). */
    static double energyShare(short[] pcm, Placed p, long cs, long ce) {
        double total = 0;
        double inside = 0;
        for (long i = p.start(); i < p.end(); i++) {
            double x = pcm[(int) i];
            total += x * x;
            if (i >= cs && i < ce) {
                inside += x * x;
            }
        }
        return total == 0 ? 1 : inside / total;
    }

    private static int firstEndingAfter(List<Placed> placed, long sample) {
        int lo = 0;
        int hi = placed.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (placed.get(mid).end() <= sample) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    static short[] noise(int n, double rms, Random random) {
        short[] out = new short[n];
        for (int i = 0; i < n; i++) {
            out[i] = (short) Math.round(Math.max(-1, Math.min(1, random.nextGaussian() * rms)) * 32767);
        }
        return out;
    }

    static short[] toShorts(float[] samples) {
        short[] out = new short[samples.length];
        for (int i = 0; i < samples.length; i++) {
            out[i] = (short) Pcm16.toInt16(samples[i]);
        }
        return out;
    }

    /** {@code SegmentationCheck DIR [SEED [NOISE_RMS]]}: prints the report for every WAV in DIR. */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "../shared/datasets/fsdd/recordings");
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 42;
        double noise = args.length > 2 ? Double.parseDouble(args[2]) : LOW_NOISE_RMS;
        long t0 = System.nanoTime();
        Scene scene = scene(recordings(dir), 8000, seed, noise);
        List<DeviceAudio.Cut> cuts = stream(scene, DeviceAudio.Settings.defaults(), seed);
        Report report = evaluate(scene, cuts);
        System.out.println(report);
        System.out.printf("stream of %.0f s segmented in %.1f s%n", scene.pcm().length / (double) scene.sampleRate(),
                (System.nanoTime() - t0) / 1e9);
    }
}
