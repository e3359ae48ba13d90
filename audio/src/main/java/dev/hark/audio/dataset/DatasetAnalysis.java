package dev.hark.audio.dataset;

import dev.hark.audio.Audio;
import dev.hark.audio.Digests;
import dev.hark.audio.WavDecoder;
import dev.hark.audio.dataset.DatasetFiles.Entry;
import dev.hark.audio.dataset.DatasetFiles.Failure;
import dev.hark.audio.dataset.DatasetFiles.Layout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What a labeled dataset holds before anyone trains on it: clips per digit and speaker, their formats,
 * lengths and levels, the clips {@link ClipCheck} flags, exact duplicates, and every file that could
 * not be used with the reason (a file is never silently dropped).
 *
 * <p>Built by {@link #analyze} from a listing, or clip by clip with a {@link Collector} by code that
 * decodes the files anyway (the trainer), so the audio is decoded once.
 *
 * @param clips      every readable clip, by name
 * @param unreadable listing failures (names without a label) and files that did not decode
 * @param duplicates groups of two or more clips with identical audio
 */
public record DatasetAnalysis(Layout layout, List<Clip> clips, List<Failure> unreadable, List<Duplicate> duplicates,
                              ClipCheck.Thresholds thresholds) {

    /**
     * One readable clip.
     *
     * @param digest SHA-256 of the decoded audio (rate and samples): equal for the same recording in
     *               files that differ only in name or metadata chunks
     */
    public record Clip(String name, int label, String speaker, int take, ClipCheck.Result check, String digest) {}

    /** Clips with identical audio. {@link #labelsDisagree} is worse than a wasted copy: one label is wrong. */
    public record Duplicate(String digest, List<Clip> clips) {
        public List<String> names() {
            return clips.stream().map(Clip::name).toList();
        }

        public boolean labelsDisagree() {
            return clips.stream().map(Clip::label).distinct().count() > 1;
        }
    }

    /** min, median, max and mean of some number over the clips. */
    public record Spread(double min, double median, double max, double mean) {
        static Spread of(double[] v) {
            if (v.length == 0) {
                return new Spread(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            double[] s = v.clone();
            Arrays.sort(s);
            double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
            return new Spread(s[0], median, s[s.length - 1], Arrays.stream(s).average().orElse(Double.NaN));
        }
    }

    public DatasetAnalysis {
        clips = List.copyOf(clips);
        unreadable = List.copyOf(unreadable);
        duplicates = List.copyOf(duplicates);
    }

    /**
     * Decodes and checks every listed file on {@code threads} threads.
     *
     * @param progress    files done so far, from any thread
     * @param alsoDecoded sees each decoded clip too, from any thread (e.g. to score it with a model), or null
     */
    public static DatasetAnalysis analyze(DatasetFiles files, ClipCheck check, int threads, IntConsumer progress,
                                          BiConsumer<Entry, Audio> alsoDecoded) {
        Collector collector = new Collector(check);
        List<Entry> entries = files.entries();
        List<Failure> failures = new ArrayList<>(files.failures());
        String[] errors = new String[entries.size()];
        AtomicInteger done = new AtomicInteger();
        ForkJoinPool pool = new ForkJoinPool(Math.max(1, threads));
        try {
            pool.submit(() -> IntStream.range(0, entries.size()).parallel().forEach(i -> {
                Entry e = entries.get(i);
                try {
                    Audio a = WavDecoder.decode(e.file());
                    collector.accept(e, a);
                    if (alsoDecoded != null) {
                        alsoDecoded.accept(e, a);
                    }
                } catch (IOException | RuntimeException ex) {
                    errors[i] = ex.getMessage() != null ? ex.getMessage() : ex.toString();
                }
                progress.accept(done.incrementAndGet());
            })).get();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while analysing", ex);
        } catch (ExecutionException ex) {
            throw ex.getCause() instanceof RuntimeException r ? r : new IllegalStateException(ex.getCause());
        } finally {
            pool.shutdown();
        }
        for (int i = 0; i < errors.length; i++) {
            if (errors[i] != null) {
                failures.add(new Failure(entries.get(i).name(), errors[i]));
            }
        }
        return collector.finish(files.layout(), failures);
    }

    /** Checks clips as they are decoded elsewhere; {@link #accept} may be called from many threads. */
    public static final class Collector implements BiConsumer<Entry, Audio> {
        private final ClipCheck check;
        private final List<Clip> clips = new ArrayList<>();

        public Collector(ClipCheck check) {
            this.check = check;
        }

        @Override
        public void accept(Entry entry, Audio audio) {
            Clip c = new Clip(entry.name(), entry.label(), entry.speaker(), entry.take(), check.check(audio), digest(audio));
            synchronized (clips) {
                clips.add(c);
            }
        }

        /** @param unreadable every file that was listed but not decoded, with the reason */
        public DatasetAnalysis finish(Layout layout, List<Failure> unreadable) {
            List<Clip> sorted;
            synchronized (clips) {
                sorted = new ArrayList<>(clips);
            }
            sorted.sort(Comparator.comparing(Clip::name));
            Map<String, List<Clip>> byDigest = new LinkedHashMap<>();
            sorted.forEach(c -> byDigest.computeIfAbsent(c.digest(), d -> new ArrayList<>()).add(c));
            List<Duplicate> duplicates = byDigest.entrySet().stream().filter(e -> e.getValue().size() > 1)
                    .map(e -> new Duplicate(e.getKey(), e.getValue())).toList();
            List<Failure> failed = new ArrayList<>(unreadable);
            failed.sort(Comparator.comparing(Failure::name));
            return new DatasetAnalysis(layout, sorted, failed, duplicates, check.thresholds());
        }
    }

    /** SHA-256 of the rate and the samples' bits: the same sound, whatever the file around it. */
    static String digest(Audio audio) {
        float[] x = audio.samples();
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(audio.sampleRate());
        b.asFloatBuffer().put(x);
        return Digests.sha256(b.array());
    }

    /** Files listed, readable or not. */
    public int files() {
        return clips.size() + unreadable.size();
    }

    public List<String> speakers() {
        return new ArrayList<>(new TreeSet<>(clips.stream().map(Clip::speaker).toList()));
    }

    /** Clips per speaker (by name) and digit (index 0–9). */
    public SortedMap<String, int[]> counts() {
        SortedMap<String, int[]> m = new TreeMap<>();
        clips.forEach(c -> m.computeIfAbsent(c.speaker(), s -> new int[10])[c.label()]++);
        return m;
    }

    public int[] perDigit() {
        int[] d = new int[10];
        clips.forEach(c -> d[c.label()]++);
        return d;
    }

    public List<Clip> flagged() {
        return clips.stream().filter(c -> !c.check().ok()).toList();
    }

    /** How many clips carry each flag, in the flags' order; flags no clip has are left out. */
    public Map<ClipCheck.Flag, Integer> flagCounts() {
        Map<ClipCheck.Flag, Integer> m = new EnumMap<>(ClipCheck.Flag.class);
        clips.forEach(c -> c.check().issues().forEach(i -> m.merge(i.flag(), 1, Integer::sum)));
        return m;
    }

    public SortedMap<Integer, Long> sampleRates() {
        return histogram(c -> c.check().sampleRate());
    }

    public SortedMap<String, Long> sampleFormats() {
        return histogram(c -> c.check().sampleFormat());
    }

    public SortedMap<Integer, Long> channels() {
        return histogram(c -> c.check().channels());
    }

    public Spread lengths() {
        return spread(ClipCheck.Result::seconds);
    }

    public Spread rmsLevels() {
        return spread(ClipCheck.Result::rmsDbfs);
    }

    public Spread peakLevels() {
        return spread(ClipCheck.Result::peakDbfs);
    }

    public Spread spread(ToDoubleFunction<ClipCheck.Result> what) {
        return Spread.of(clips.stream().mapToDouble(c -> what.applyAsDouble(c.check())).toArray());
    }

    private <K extends Comparable<K>> SortedMap<K, Long> histogram(Function<Clip, K> key) {
        return new TreeMap<>(clips.stream().collect(Collectors.groupingBy(key, Collectors.counting())));
    }

    /**
     * One line for places that only point here, e.g. "3 of 2500 clips flagged: 2 silent, 1 clipped;
     * 1 group of duplicates; 2 files unreadable", or "2500 clips, none flagged".
     */
    public String flagSummary() {
        List<String> parts = new ArrayList<>();
        int flagged = flagged().size();
        parts.add(flagged == 0 ? clips.size() + " clips, none flagged"
                : flagged + " of " + clips.size() + " clips flagged: " + flagCounts().entrySet().stream()
                        .map(e -> e.getValue() + " " + e.getKey().label()).collect(Collectors.joining(", ")));
        if (!duplicates.isEmpty()) {
            parts.add(String.format(Locale.ROOT, "%d group%s of identical clips", duplicates.size(),
                    duplicates.size() == 1 ? "" : "s"));
        }
        if (!unreadable.isEmpty()) {
            parts.add(unreadable.size() + (unreadable.size() == 1 ? " file" : " files") + " unreadable");
        }
        return String.join("; ", parts);
    }

    /** True when nothing is flagged, duplicated or unreadable. */
    public boolean clean() {
        return flagged().isEmpty() && duplicates.isEmpty() && unreadable.isEmpty();
    }
}
