package dev.hark.producer.simulate;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import dev.hark.audio.Audio;
import dev.hark.audio.Pcm16;
import dev.hark.audio.Resampler;
import dev.hark.audio.WavDecoder;
import dev.hark.audio.dataset.DatasetFiles;

/** A labeled recording a simulated device speaks, as 16-bit samples at the devices' rate. */
public record Recording(String name, int label, String speaker, short[] pcm) {

    /** Loaded recordings, and the files that could not be read (with why). */
    public record Loaded(List<Recording> recordings, List<DatasetFiles.Failure> failures) {
    }

    /** Decodes (and resamples to {@code rate}) every entry {@code keep} accepts. */
    public static Loaded load(DatasetFiles files, Predicate<DatasetFiles.Entry> keep, int rate) {
        List<Recording> out = new ArrayList<>();
        List<DatasetFiles.Failure> failures = new ArrayList<>(files.failures());
        for (DatasetFiles.Entry e : files.entries()) {
            if (!keep.test(e)) {
                continue;
            }
            try {
                Audio audio = Resampler.toRate(WavDecoder.decode(e.file()), rate);
                float[] s = audio.samples();
                short[] pcm = new short[s.length];
                for (int i = 0; i < s.length; i++) {
                    pcm[i] = (short) Pcm16.toInt16(s[i]);
                }
                out.add(new Recording(e.name(), e.label(), e.speaker(), pcm));
            } catch (Exception ex) {
                failures.add(new DatasetFiles.Failure(e.name(), ex.getMessage()));
            }
        }
        return new Loaded(List.copyOf(out), List.copyOf(failures));
    }
}
