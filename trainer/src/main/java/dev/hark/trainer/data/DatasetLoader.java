package dev.hark.trainer.data;

import dev.hark.audio.Audio;
import dev.hark.audio.Resampler;
import dev.hark.audio.WavDecoder;
import dev.hark.audio.dataset.DatasetFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.IntConsumer;

/**
 * Reads a folder of WAVs (FSDD or AudioMNIST naming, searched recursively) or a CSV manifest into
 * labeled clips at the feature rate, decoding in parallel. A file that cannot be used becomes a
 * {@link DatasetFiles.Failure} with the reason; it never stops the others.
 */
public final class DatasetLoader {

    private final int sampleRate;
    private final int threads;

    public DatasetLoader(int sampleRate, int threads) {
        this.sampleRate = sampleRate;
        this.threads = Math.max(1, threads);
    }

    /** Loads {@code source}: a directory of WAVs or a {@code .csv} manifest (see {@link DatasetFiles}). */
    public Dataset load(Path source, IntConsumer progress) throws IOException {
        return load(DatasetFiles.list(source), progress);
    }

    public Dataset load(DatasetFiles files, IntConsumer progress) {
        return load(files, progress, (entry, audio) -> { });
    }

    /**
     * @param decoded sees each file's audio as decoded, before resampling, from the decoding threads:
     *                for checks that want the file's own rate and format ({@code hark train}'s
     *                {@link dev.hark.audio.dataset.ClipCheck}) without decoding everything twice
     */
    public Dataset load(DatasetFiles files, IntConsumer progress, BiConsumer<DatasetFiles.Entry, Audio> decoded) {
        return decodeAll(files.layout(), files.entries(), files.failures(), progress, decoded);
    }

    private Dataset decodeAll(DatasetFiles.Layout layout, List<DatasetFiles.Entry> entries, List<DatasetFiles.Failure> failures,
                              IntConsumer progress, BiConsumer<DatasetFiles.Entry, Audio> decoded) {
        LabeledClip[] clips = new LabeledClip[entries.size()];
        String[] errors = new String[entries.size()];
        AtomicInteger done = new AtomicInteger();
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            pool.submit(() -> java.util.stream.IntStream.range(0, entries.size()).parallel().forEach(i -> {
                DatasetFiles.Entry e = entries.get(i);
                try {
                    Audio source = WavDecoder.decode(e.file());
                    decoded.accept(e, source);
                    Audio a = Resampler.toRate(source, sampleRate);
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
        List<DatasetFiles.Failure> failed = new ArrayList<>(failures);
        for (int i = 0; i < clips.length; i++) {
            if (clips[i] != null) {
                ok.add(clips[i]);
            } else {
                failed.add(new DatasetFiles.Failure(entries.get(i).name(), errors[i]));
            }
        }
        return new Dataset(layout, ok, failed);
    }

}
