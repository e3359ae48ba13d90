package dev.hark.trainer.data;

import dev.hark.features.audio.Audio;
import dev.hark.features.audio.Resampler;
import dev.hark.features.audio.WavDecoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads a folder of WAVs (FSDD or AudioMNIST naming, searched recursively) or a CSV manifest into
 * labeled clips at the feature rate, decoding in parallel. A file that cannot be used becomes a
 * {@link Dataset.Failure} with the reason; it never stops the others.
 */
public final class DatasetLoader {

    /**
     * {@code {digit}_{speaker}_{anything}.wav}; FSDD and AudioMNIST put the take number last, and
     * AudioMNIST's speaker is also its folder's name.
     */
    static final Pattern NAME = Pattern.compile("(\\d)_([^_/]+)_(.+)\\.wav", Pattern.CASE_INSENSITIVE);

    private final int sampleRate;
    private final int threads;

    public DatasetLoader(int sampleRate, int threads) {
        this.sampleRate = sampleRate;
        this.threads = Math.max(1, threads);
    }

    /** Loads {@code source}: a directory of WAVs or a {@code .csv} manifest. */
    public Dataset load(Path source, IntConsumer progress) throws IOException {
        if (Files.isRegularFile(source) && source.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            return loadManifest(source, progress);
        }
        if (!Files.isDirectory(source)) {
            throw new IOException("no such folder or .csv manifest: " + source);
        }
        List<Path> wavs;
        try (Stream<Path> s = Files.walk(source)) {
            wavs = s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".wav"))
                    .sorted(Comparator.comparing(p -> source.relativize(p).toString()))
                    .toList();
        }
        if (wavs.isEmpty()) {
            throw new IOException("no .wav files under " + source);
        }
        List<Entry> entries = new ArrayList<>();
        List<Dataset.Failure> failures = new ArrayList<>();
        int nested = 0;
        for (Path p : wavs) {
            String rel = source.relativize(p).toString();
            Matcher m = NAME.matcher(p.getFileName().toString());
            if (!m.matches()) {
                failures.add(new Dataset.Failure(rel, "name is not {digit}_{speaker}_{take}.wav, so it has no label or speaker"));
                continue;
            }
            if (p.getParent() != null && p.getParent().getFileName().toString().equals(m.group(2))) {
                nested++;
            }
            int take = m.group(3).matches("\\d{1,6}") ? Integer.parseInt(m.group(3)) : -1;
            entries.add(new Entry(p, rel, Integer.parseInt(m.group(1)), m.group(2), take));
        }
        Dataset.Layout layout = nested > entries.size() / 2 ? Dataset.Layout.AUDIO_MNIST : Dataset.Layout.FSDD;
        return decodeAll(layout, entries, failures, progress);
    }

    private Dataset loadManifest(Path csv, IntConsumer progress) throws IOException {
        List<Entry> entries = new ArrayList<>();
        List<Dataset.Failure> failures = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        Path base = csv.toAbsolutePath().getParent();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || (i == 0 && line.toLowerCase(Locale.ROOT).startsWith("path,"))) {
                continue;
            }
            String where = csv.getFileName() + ":" + (i + 1);
            String[] f = line.split(",", -1);
            if (f.length != 3) {
                failures.add(new Dataset.Failure(where, "expected path,label,speaker but found " + f.length + " fields"));
                continue;
            }
            int label;
            try {
                label = Integer.parseInt(f[1].strip());
            } catch (NumberFormatException e) {
                label = -1;
            }
            if (label < 0 || label > 9) {
                failures.add(new Dataset.Failure(where, "label '" + f[1].strip() + "' is not a digit 0-9"));
                continue;
            }
            String speaker = f[2].strip();
            if (speaker.isEmpty()) {
                failures.add(new Dataset.Failure(where, "no speaker"));
                continue;
            }
            Path p = base.resolve(f[0].strip());
            entries.add(new Entry(p, f[0].strip(), label, speaker, -1));
        }
        if (entries.isEmpty() && failures.isEmpty()) {
            throw new IOException("manifest " + csv + " lists no clips");
        }
        return decodeAll(Dataset.Layout.MANIFEST, entries, failures, progress);
    }

    private record Entry(Path file, String name, int label, String speaker, int take) {}

    private Dataset decodeAll(Dataset.Layout layout, List<Entry> entries, List<Dataset.Failure> failures,
                              IntConsumer progress) {
        LabeledClip[] clips = new LabeledClip[entries.size()];
        String[] errors = new String[entries.size()];
        AtomicInteger done = new AtomicInteger();
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            pool.submit(() -> java.util.stream.IntStream.range(0, entries.size()).parallel().forEach(i -> {
                Entry e = entries.get(i);
                try {
                    Audio a = Resampler.toRate(WavDecoder.decode(e.file()), sampleRate);
                    clips[i] = new LabeledClip(e.name(), e.label(), e.speaker(), e.take(), a.samples());
                } catch (IOException | RuntimeException ex) {
                    errors[i] = ex.getMessage() != null ? ex.getMessage() : ex.toString();
                }
                progress.accept(done.incrementAndGet());
            })).get();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while decoding", ex);
        } catch (java.util.concurrent.ExecutionException ex) {
            throw new UncheckedIOException(new IOException(ex.getCause()));
        } finally {
            pool.shutdown();
        }
        List<LabeledClip> ok = new ArrayList<>();
        List<Dataset.Failure> failed = new ArrayList<>(failures);
        for (int i = 0; i < clips.length; i++) {
            if (clips[i] != null) {
                ok.add(clips[i]);
            } else {
                failed.add(new Dataset.Failure(entries.get(i).name(), errors[i]));
            }
        }
        return new Dataset(layout, ok, failed);
    }

    /** Number of files {@link #load} will look at, for a progress bar's total. */
    public static int countCandidates(Path source) throws IOException {
        if (Files.isRegularFile(source)) {
            return (int) Files.readAllLines(source).stream().filter(l -> !l.isBlank()).count();
        }
        try (Stream<Path> s = Files.walk(source)) {
            return (int) s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".wav")).count();
        }
    }
}
