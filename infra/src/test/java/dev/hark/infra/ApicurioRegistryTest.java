package dev.hark.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry process with a data directory keeps its schema ids across restarts. */
class ApicurioRegistryTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String SCHEMA = "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Kept\\\","
            + "\\\"fields\\\":[{\\\"name\\\":\\\"a\\\",\\\"type\\\":\\\"int\\\"}]}\"}";

    @Test
    void schemaIdsSurviveARestartWithADataDirectory(@TempDir Path dataDir) throws Exception {
        int port = Ports.freePort();
        ApicurioRegistry.Options options = ApicurioRegistry.Options.inMemory(port).withDataDir(dataDir)
                .withLogFile(dataDir.resolve("registry.log"));
        int id;
        try (ApicurioRegistry registry = ApicurioRegistry.start(options)) {
            HttpResponse<String> registered = HTTP.send(HttpRequest.newBuilder(URI.create(registry.confluentUrl()
                            + "/subjects/kept-value/versions"))
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .POST(HttpRequest.BodyPublishers.ofString(SCHEMA)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, registered.statusCode(), registered.body());
            Matcher m = Pattern.compile("\"id\"\\s*:\\s*(\\d+)").matcher(registered.body());
            assertTrue(m.find(), registered.body());
            id = Integer.parseInt(m.group(1));
        }
        try (ApicurioRegistry again = ApicurioRegistry.start(options)) {
            HttpResponse<String> fetched = HTTP.send(HttpRequest.newBuilder(URI.create(again.confluentUrl()
                    + "/schemas/ids/" + id)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, fetched.statusCode(), fetched.body());
            assertTrue(fetched.body().contains("Kept"), fetched.body());
        }
    }

    @Test
    void stopsPromptly() {
        ApicurioRegistry registry = ApicurioRegistry.start(ApicurioRegistry.Options.inMemory(Ports.freePort()));
        long t0 = System.nanoTime();
        registry.close();
        assertFalse(registry.isRunning());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "stopped within 10 s");
    }

    @Test
    void aPortInUseIsAClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Ports.PortInUseException e = assertThrows(Ports.PortInUseException.class,
                    () -> ApicurioRegistry.start(ApicurioRegistry.Options.inMemory(taken.getLocalPort())));
            assertTrue(e.getMessage().contains("port " + taken.getLocalPort()), e.getMessage());
            assertTrue(e.getMessage().contains("--registry-port"), e.getMessage());
        }
    }
}
