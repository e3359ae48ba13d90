package dev.hark.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The recordings for {@code hark demo} and {@code hark simulate}: the {@link DataDir dataset folder},
 * which {@code hark demo} fills on first run by downloading the Free Spoken Digit Dataset's archive
 * from its public repository.
 */
final class DemoData {

    static final String DEFAULT_DESCRIPTION = DataDir.DEFAULT + ", which `hark demo` downloads on first run";

    /** FSDD's repository as a zip (about 10 MB). */
    static final URI FSDD_ARCHIVE = URI.create(
            "https://github.com/Jakobovski/free-spoken-digit-dataset/archive/refs/heads/master.zip");

    /** The recordings inside the archive: {@code <top>/recordings/{digit}_{speaker}_{take}.wav}. */
    private static final Pattern RECORDING = Pattern.compile("(?:.*/)?recordings/([0-9]_[A-Za-z0-9-]+_[0-9]+\\.wav)");

    private DemoData() {
    }

    /** The folder to read ({@link DataDir}); it must already hold recordings. */
    static Path resolve(Path given) throws IOException {
        Path dir = DataDir.require(given);
        if (!hasWavs(dir)) {
            throw new IllegalArgumentException("no recordings in " + dir + ": put FSDD's recordings there (`hark demo` "
                    + "downloads them) or pass --data / set " + DataDir.ENV);
        }
        return dir;
    }

    static boolean hasWavs(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(dir, 3)) {
            return files.anyMatch(p -> p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".wav"));
        }
    }

    /** What a download did. */
    record Downloaded(Path dir, int recordings, long bytes) {
    }

    /**
     * Downloads {@code archive} and unpacks its {@code recordings/*.wav} into {@code dir/recordings}.
     * Unpacks into a sibling folder first and renames it at the end, so an interrupted download
     * leaves nothing that looks like a dataset.
     */
    static Downloaded download(URI archive, Path dir, ProgressBar bar) throws IOException, InterruptedException {
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path zip = parent.resolve(dir.getFileName() + ".zip.part");
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20)).build();
        HttpRequest request = HttpRequest.newBuilder(archive).timeout(Duration.ofMinutes(10)).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new IOException("cannot download " + archive + ": " + e.getMessage()
                    + " (no network? download it yourself and pass --data DIR)", e);
        }
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IOException("cannot download " + archive + ": HTTP " + response.statusCode());
        }
        long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        long bytes = 0;
        try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(zip)) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                bytes += n;
                if (bar != null) {
                    bar.update(length > 0 ? bytes * 1000 / length : 0, String.format(java.util.Locale.ROOT, "%.1f MB",
                            bytes / 1e6));
                }
            }
        }
        if (bar != null) {
            bar.done(1000, String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6));
        }
        Path staging = parent.resolve(dir.getFileName() + ".unpacking");
        deleteTree(staging);
        Files.createDirectories(staging.resolve("recordings"));
        int count = 0;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                var m = RECORDING.matcher(e.getName());
                if (e.isDirectory() || !m.matches()) {
                    continue;
                }
                Files.copy(in, staging.resolve("recordings").resolve(m.group(1)), StandardCopyOption.REPLACE_EXISTING);
                count++;
            }
        } catch (IOException e) {
            throw new IOException("the download from " + archive + " is not a readable zip: " + e.getMessage(), e);
        }
        if (count == 0) {
            throw new IOException("the archive from " + archive + " holds no recordings/{digit}_{speaker}_{take}.wav");
        }
        Files.writeString(staging.resolve("SOURCE.txt"), "Free Spoken Digit Dataset, downloaded by `hark demo` from "
                + archive + "\nZohar Jackson and contributors, CC BY-SA 4.0 "
                + "(https://creativecommons.org/licenses/by-sa/4.0/)\n");
        deleteTree(dir);
        Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(zip);
        return new Downloaded(dir, count, bytes);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
