package dev.hark.audio.synth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@value #FILE}: one row per clip, saying how it was made and the SHA-256 of its bytes, so a set can be checked
 * against another run of the same arguments. It is not a {@code path,label,speaker} dataset manifest: the folder
 * itself is the dataset, read by its file names.
 */
public final class SynthManifest {

    public static final String FILE = "synth-manifest.csv";
    public static final String HEADER = "file,label,speaker,engine,voice,rate,pitch,text,sha256";

    /** One clip's row. */
    public record Row(String file, int label, String speaker, String engine, String voice, double rate, double pitch,
                      String text, String sha256) {

        String csv() {
            return String.join(",", file, String.valueOf(label), speaker, engine, voice, number(rate), number(pitch),
                    text, sha256);
        }

        static Row parse(String line) {
            String[] f = line.split(",", -1);
            if (f.length != 9) {
                throw new IllegalArgumentException("expected " + HEADER + " but found " + f.length + " fields: " + line);
            }
            return new Row(f[0], Integer.parseInt(f[1]), f[2], f[3], f[4], Double.parseDouble(f[5]),
                    Double.parseDouble(f[6]), f[7], f[8]);
        }
    }

    private SynthManifest() {
    }

    public static void write(Path file, List<Row> rows) throws IOException {
        StringBuilder out = new StringBuilder(HEADER).append('\n');
        for (Row row : rows) {
            out.append(row.csv()).append('\n');
        }
        Files.writeString(file, out, StandardCharsets.UTF_8);
    }

    public static List<Row> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new IOException(file + " is not a synth manifest: its first line is not " + HEADER);
        }
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isBlank()) {
                rows.add(Row.parse(line));
            }
        }
        return rows;
    }

    /** Two decimals, as the plan rounds them; fixed so the manifest's bytes are as reproducible as the clips. */
    private static String number(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
