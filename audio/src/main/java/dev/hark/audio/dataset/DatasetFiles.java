package dev.hark.audio.dataset;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The labeled recordings of a dataset folder, without decoding them: which files, with which label
 * and speaker. One rule for everyone who reads datasets (the trainer, {@code hark eval},
 * {@code hark replay}):
 *
 * <ul>
 *   <li>a folder (searched recursively) of {@code {digit}_{speaker}_{anything}.wav}: FSDD, where
 *       {@code anything} is the take, in one folder; AudioMNIST, {@code NN/{digit}_{NN}_{take}.wav},
 *       one folder per speaker;</li>
 *   <li>a CSV manifest {@code path,label,speaker} (header optional, paths relative to the manifest).</li>
 * </ul>
 * A file that does not fit is a {@link Failure} with the reason, never silently left out.
 */
public record DatasetFiles(Layout layout, List<Entry> entries, List<Failure> failures) {

    public enum Layout {
        /** {@code {digit}_{speaker}_{take}.wav}: free-spoken-digit-dataset. Standard split: takes 0–4 test. */
        FSDD,
        /** {@code NN/{digit}_{NN}_{take}.wav}: AudioMNIST, one folder per speaker. */
        AUDIO_MNIST,
        /** A CSV manifest {@code path,label,speaker}. */
        MANIFEST,
        /** Clips gathered from a topic. */
        TOPIC,
        /** One speaker's folder, {@code {digit}_{anything}.wav}, the speaker named by the caller ({@link #ofSpeaker}). */
        SPEAKER
    }

    /**
     * One labeled file.
     *
     * @param name  the path relative to the dataset root (or as the manifest gives it)
     * @param take  the take number when the name ends in one, else -1
     */
    public record Entry(Path file, String name, int label, String speaker, int take) {}

    /** A file that could not be used, and why. */
    public record Failure(String name, String reason) {}

    /** {@code {digit}_{speaker}_{anything}.wav}. */
    static final Pattern NAME = Pattern.compile("(\\d)_([^_/]+)_(.+)\\.wav", Pattern.CASE_INSENSITIVE);
    /** {@code {digit}_{anything}.wav}; a take is the number {@code anything} ends in after its last underscore. */
    static final Pattern SPEAKER_NAME = Pattern.compile("(\\d)_(?:(?:.*_)?(\\d{1,6})|.+)\\.wav", Pattern.CASE_INSENSITIVE);

    public DatasetFiles {
        entries = List.copyOf(entries);
        failures = List.copyOf(failures);
    }

    /** Lists {@code source}: a directory of WAVs or a {@code .csv} manifest. */
    public static DatasetFiles list(Path source) throws IOException {
        if (Files.isRegularFile(source) && source.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            return manifest(source);
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
        List<Failure> failures = new ArrayList<>();
        int nested = 0;
        for (Path p : wavs) {
            String rel = source.relativize(p).toString();
            Matcher m = NAME.matcher(p.getFileName().toString());
            if (!m.matches()) {
                failures.add(new Failure(rel, "name is not {digit}_{speaker}_{take}.wav, so it has no label or speaker"));
                continue;
            }
            if (p.getParent() != null && p.getParent().getFileName().toString().equals(m.group(2))) {
                nested++;
            }
            int take = m.group(3).matches("\\d{1,6}") ? Integer.parseInt(m.group(3)) : -1;
            entries.add(new Entry(p, rel, Integer.parseInt(m.group(1)), m.group(2), take));
        }
        Layout layout = nested > entries.size() / 2 ? Layout.AUDIO_MNIST : Layout.FSDD;
        return new DatasetFiles(layout, entries, failures);
    }

    /**
     * One speaker's recordings ({@code hark enroll --from-dir}): every {@code {digit}_{anything}.wav} in
     * {@code dir} (searched recursively), all of them {@code speaker}'s whatever the rest of the name
     * says, so FSDD's {@code {digit}_{speaker}_{take}.wav} and a person's own {@code 3_kitchen.wav} both
     * fit. The take is the number the name ends in after an underscore ({@code 3_7.wav},
     * {@code 3_jackson_12.wav}), else -1.
     */
    public static DatasetFiles ofSpeaker(Path dir, String speaker) throws IOException {
        requireSpeakerName(speaker);
        if (!Files.isDirectory(dir)) {
            throw new IOException("no such folder: " + dir);
        }
        List<Path> wavs;
        try (Stream<Path> s = Files.walk(dir)) {
            wavs = s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".wav"))
                    .sorted(Comparator.comparing(p -> dir.relativize(p).toString()))
                    .toList();
        }
        if (wavs.isEmpty()) {
            throw new IOException("no .wav files under " + dir);
        }
        List<Entry> entries = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        for (Path p : wavs) {
            String rel = dir.relativize(p).toString();
            Matcher m = SPEAKER_NAME.matcher(p.getFileName().toString());
            if (!m.matches()) {
                failures.add(new Failure(rel, "name is not {digit}_{anything}.wav, so it has no label"));
                continue;
            }
            int take = m.group(2) != null ? Integer.parseInt(m.group(2)) : -1;
            entries.add(new Entry(p, rel, Integer.parseInt(m.group(1)), speaker, take));
        }
        return new DatasetFiles(Layout.SPEAKER, entries, failures);
    }

    /**
     * @throws IllegalArgumentException unless {@code speaker} could be the speaker of an FSDD file name (no
     *                                  '_', which separates the name's fields, and no '/')
     */
    public static String requireSpeakerName(String speaker) {
        if (speaker == null || speaker.isBlank() || speaker.contains("_") || speaker.contains("/")) {
            throw new IllegalArgumentException("a speaker name must be a word without '_' or '/', not '" + speaker + "'");
        }
        return speaker;
    }

    private static DatasetFiles manifest(Path csv) throws IOException {
        List<Entry> entries = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
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
                failures.add(new Failure(where, "expected path,label,speaker but found " + f.length + " fields"));
                continue;
            }
            int label;
            try {
                label = Integer.parseInt(f[1].strip());
            } catch (NumberFormatException e) {
                label = -1;
            }
            if (label < 0 || label > 9) {
                failures.add(new Failure(where, "label '" + f[1].strip() + "' is not a digit 0-9"));
                continue;
            }
            String speaker = f[2].strip();
            if (speaker.isEmpty()) {
                failures.add(new Failure(where, "no speaker"));
                continue;
            }
            entries.add(new Entry(base.resolve(f[0].strip()), f[0].strip(), label, speaker, -1));
        }
        if (entries.isEmpty() && failures.isEmpty()) {
            throw new IOException("manifest " + csv + " lists no clips");
        }
        return new DatasetFiles(Layout.MANIFEST, entries, failures);
    }

    /** Entries plus failures: what a progress bar counts. */
    public int size() {
        return entries.size() + failures.size();
    }
}
