package dev.hark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import dev.hark.audio.WavWriter;
import dev.hark.audio.dataset.DatasetFiles;

/**
 * The first-run download of the demo's recordings, against a local HTTP server that serves an archive
 * shaped like FSDD's GitHub zip (a top folder, recordings/ inside, other files beside), behind a
 * redirect as GitHub's is.
 */
class DemoDataTest {

    HttpServer server;
    byte[] archive;

    @BeforeEach
    void serve() throws IOException {
        archive = fsddLikeZip();
        server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        server.createContext("/archive/refs/heads/master.zip", ex -> {
            ex.getResponseHeaders().add("Location", "/codeload/master.zip");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        server.createContext("/codeload/master.zip", ex -> {
            ex.sendResponseHeaders(200, archive.length);
            ex.getResponseBody().write(archive);
            ex.close();
        });
        server.createContext("/not-a-zip", ex -> {
            byte[] html = "<html>rate limited</html>".getBytes();
            ex.sendResponseHeaders(200, html.length);
            ex.getResponseBody().write(html);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    URI url(String path) {
        return URI.create("http://localhost:" + server.getAddress().getPort() + path);
    }

    static byte[] fsddLikeZip() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("free-spoken-digit-dataset-master/"));
            zip.putNextEntry(new ZipEntry("free-spoken-digit-dataset-master/README.md"));
            zip.write("# FSDD".getBytes());
            zip.putNextEntry(new ZipEntry("free-spoken-digit-dataset-master/recordings/"));
            for (String name : List.of("0_george_0.wav", "7_theo_12.wav", "3_lucas_49.wav")) {
                zip.putNextEntry(new ZipEntry("free-spoken-digit-dataset-master/recordings/" + name));
                zip.write(WavWriter.toBytes(new float[] {0.1f, -0.1f, 0.2f, 0f}, 8000));
            }
            zip.putNextEntry(new ZipEntry("free-spoken-digit-dataset-master/utils/spectogramer.py"));
            zip.write("print()".getBytes());
        }
        return bytes.toByteArray();
    }

    @Test
    void downloadsFollowsTheRedirectAndUnpacksOnlyTheRecordings(@TempDir Path home) throws Exception {
        Path dir = home.resolve("datasets/fsdd");
        DemoData.Downloaded d = DemoData.download(url("/archive/refs/heads/master.zip"), dir, null);
        assertEquals(3, d.recordings());
        assertEquals(archive.length, d.bytes());
        DatasetFiles files = DatasetFiles.list(dir);
        assertEquals(3, files.size(), files.toString());
        assertEquals(List.of("george", "lucas", "theo"), files.entries().stream().map(DatasetFiles.Entry::speaker).sorted()
                .toList());
        assertTrue(Files.readString(dir.resolve("SOURCE.txt")).contains("CC BY-SA 4.0"));
        assertFalse(Files.exists(home.resolve("datasets/fsdd.zip.part")), "the archive is removed");
        assertFalse(Files.exists(home.resolve("datasets/fsdd.unpacking")));
        assertEquals(dir, DemoData.resolve(dir));
    }

    @Test
    void aFailedDownloadSaysWhyAndLeavesNothingThatLooksLikeADataset(@TempDir Path home) {
        Path dir = home.resolve("fsdd");
        IOException notFound = assertThrows(IOException.class, () -> DemoData.download(url("/missing.zip"), dir, null));
        assertTrue(notFound.getMessage().contains("HTTP 404"), notFound.getMessage());
        IOException notZip = assertThrows(IOException.class, () -> DemoData.download(url("/not-a-zip"), dir, null));
        assertTrue(notZip.getMessage().contains("no recordings") || notZip.getMessage().contains("not a readable zip"),
                notZip.getMessage());
        assertFalse(Files.exists(dir));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> DemoData.resolve(dir));
        assertTrue(none.getMessage().contains("hark demo"), none.getMessage());
    }

}
