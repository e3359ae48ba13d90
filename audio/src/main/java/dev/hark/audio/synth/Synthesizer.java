package dev.hark.audio.synth;

import dev.hark.audio.Audio;
import dev.hark.audio.Digests;
import dev.hark.audio.Resampler;
import dev.hark.audio.WavWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

/** Makes a {@link SynthPlan}'s clips with the engines and writes them, with {@value SynthManifest#FILE}, to a folder. */
public final class Synthesizer {

    /** FSDD's rate: 8 kHz mono 16-bit. */
    public static final int SAMPLE_RATE = 8000;
    /** The highest peak a written clip has: room for the resampler's ringing, so writing never clips a sample. */
    static final float MAX_PEAK = 0.9f;
    /** Clips per engine call: festival's two-second start is paid once per batch, and progress moves per batch. */
    static final int BATCH = 25;

    private final Map<SynthEngine.Kind, SynthEngine> engines = new EnumMap<>(SynthEngine.Kind.class);

    public Synthesizer(SynthEngine flite, SynthEngine festival) {
        engines.put(SynthEngine.Kind.FLITE, flite);
        engines.put(SynthEngine.Kind.FESTIVAL, festival);
    }

    /** The engines on the PATH. */
    public static Synthesizer onPath() {
        return new Synthesizer(new FliteEngine(), new FestivalEngine());
    }

    public SynthEngine engine(SynthVoice voice) {
        return engines.get(voice.engine());
    }

    /** Why each voice that cannot be spoken here cannot, in the order given; empty when all can. */
    public Map<SynthVoice, String> missing(List<SynthVoice> voices) {
        Map<SynthVoice, String> missing = new LinkedHashMap<>();
        for (SynthVoice voice : voices) {
            Optional<String> problem = engine(voice).missing(voice);
            problem.ifPresent(p -> missing.put(voice, p));
        }
        return missing;
    }

    /**
     * Makes every clip of {@code plan} into {@code out} (created if need be, and required to be empty, so that the
     * folder is exactly this set and nothing left from another) and writes the manifest last.
     *
     * @param progress told the number of clips written so far, after each batch
     * @return the manifest's rows, in plan order
     */
    public List<SynthManifest.Row> write(SynthPlan plan, Path out, IntConsumer progress) throws IOException {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IOException(out + " is a file; hark synth writes a set of clips into a folder");
        }
        Files.createDirectories(out);
        try (Stream<Path> existing = Files.list(out)) {
            if (existing.findAny().isPresent()) {
                throw new IOException(out + " is not empty; hark synth writes a whole set, so give it a new or empty folder");
            }
        }
        List<SynthClip> clips = plan.clips();
        List<SynthManifest.Row> rows = new ArrayList<>(clips.size());
        Path work = Files.createTempDirectory("hark-synth");
        try {
            for (int from = 0; from < clips.size(); ) {
                // a batch never mixes voices: one engine call speaks with one voice
                SynthVoice voice = clips.get(from).voice();
                int to = from;
                while (to < clips.size() && to - from < BATCH && clips.get(to).voice().equals(voice)) {
                    to++;
                }
                List<SynthClip> batch = clips.subList(from, to);
                Path dir = Files.createDirectory(work.resolve("batch-" + from));
                List<Audio> spoken = engine(voice).speak(voice, batch.stream().map(SynthClip::request).toList(), dir);
                for (int i = 0; i < batch.size(); i++) {
                    rows.add(save(batch.get(i), spoken.get(i), out));
                }
                deleteTree(dir);
                from = to;
                progress.accept(from);
            }
        } finally {
            deleteTree(work);
        }
        SynthManifest.write(out.resolve(SynthManifest.FILE), rows);
        return rows;
    }

    /** Resamples, trims and writes one clip; its row. */
    static SynthManifest.Row save(SynthClip clip, Audio spoken, Path out) throws IOException {
        float[] trimmed;
        try {
            trimmed = SilenceTrim.trim(Resampler.toRate(spoken, SAMPLE_RATE).samples(), SAMPLE_RATE);
        } catch (IllegalArgumentException e) {
            throw new IOException(clip.voice().speaker() + " said nothing for '" + clip.text() + "' (" + e.getMessage() + ")");
        }
        byte[] wav = WavWriter.toBytes(limit(trimmed), SAMPLE_RATE);
        Files.write(out.resolve(clip.fileName()), wav);
        SynthVoice v = clip.voice();
        return new SynthManifest.Row(clip.fileName(), clip.digit(), v.speaker(), v.engine().program(), v.engineVoice(),
                clip.rate(), clip.pitch(), clip.text(), Digests.sha256(wav));
    }

    /**
     * Scales a clip down to {@link #MAX_PEAK} when it is louder; quieter clips are left as the engine made them. The
     * level carries no label (features are normalised per utterance), but a clipped sample is a distortion FSDD lacks.
     */
    static float[] limit(float[] x) {
        float peak = 0;
        for (float v : x) {
            peak = Math.max(peak, Math.abs(v));
        }
        if (peak <= MAX_PEAK) {
            return x;
        }
        float gain = MAX_PEAK / peak;
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * gain;
        }
        return y;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
