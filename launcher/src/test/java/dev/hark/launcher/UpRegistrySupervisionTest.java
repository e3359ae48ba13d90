package dev.hark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hark.avro.AudioClip;
import dev.hark.infra.Ports;
import dev.hark.schemas.registry.SchemaRegistryClient;

/**
 * `hark up` supervises its registry: a registry killed with SIGKILL makes /health DOWN naming it, is
 * started again on the same port and data, and the schema ids registered before still resolve.
 */
class UpRegistrySupervisionTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void aKilledRegistryIsRestartedWithItsSchemaIdsAndHealthFollows(@TempDir Path dataDir) throws Exception {
        int registryPort = Ports.freePort();
        int metricsPort = Ports.freePort();
        URI health = URI.create("http://localhost:" + metricsPort + "/health");
        try (UpCommandTest.Up up = new UpCommandTest.Up("--data-dir", dataDir.toString(), "--kafka-port", "" + Ports.freePort(),
                "--controller-port", "" + Ports.freePort(), "--registry-port", "" + registryPort, "--no-services",
                "--metrics-port", "" + metricsPort)) {
            up.line("bootstrap=", Duration.ofSeconds(90));
            String registryUrl = up.line("registry=", Duration.ofSeconds(10));

            HttpResponse<String> healthy = awaitHealth(health, r -> r.statusCode() == 200, Duration.ofSeconds(30), up);
            assertTrue(healthy.body().contains("\"kafka\":{\"status\":\"UP\",\"detail\":\"cluster "), healthy.body());
            assertTrue(healthy.body().contains("\"registry\":{\"status\":\"UP\""), healthy.body());

            // a schema id registered before the kill (a second schema too, so the id is not trivially 1)
            Schema kept = AudioClip.getClassSchema();
            SchemaRegistryClient before = new SchemaRegistryClient(registryUrl);
            before.register("supervision-other-value", Schema.createRecord("Other", null, "test", false,
                    List.of(new Schema.Field("a", Schema.create(Schema.Type.INT)))));
            int id = before.register("supervision-value", kept);

            long pid = registryPid(up);
            new ProcessBuilder("kill", "-KILL", String.valueOf(pid)).start().waitFor();
            long killedAt = System.nanoTime();

            HttpResponse<String> down = awaitHealth(health, r -> r.statusCode() != 200, Duration.ofSeconds(10), up);
            assertEquals(503, down.statusCode(), down.body());
            assertTrue(down.body().contains("\"status\":\"DOWN\""), down.body());
            assertTrue(down.body().contains("\"registry\":{\"status\":\"DOWN\""), "names the registry: " + down.body());
            assertTrue(down.body().contains("\"kafka\":{\"status\":\"UP\""), "Kafka is fine: " + down.body());

            HttpResponse<String> back = awaitHealth(health, r -> r.statusCode() == 200, Duration.ofSeconds(90), up);
            Duration downFor = Duration.ofNanos(System.nanoTime() - killedAt);
            assertTrue(back.body().contains("\"registry\":{\"status\":\"UP\""), back.body());
            assertTrue(downFor.compareTo(Duration.ofSeconds(60)) < 0, "restarted within a minute: " + downFor);
            long restartedPid = registryPid(up);
            assertNotEquals(pid, restartedPid, "a new registry process");

            // same port, same data: the id still names the schema (a fresh client: no cached ids)
            SchemaRegistryClient after = new SchemaRegistryClient(registryUrl);
            assertEquals(kept, after.schemaById(id));
            assertEquals(id, after.register("supervision-value", kept), "registering it again finds the same id");

            String err = up.stderr.toString();
            assertTrue(err.contains("The schema registry (pid " + pid + ") died (exit code 137: signal 9, SIGKILL); "
                    + "restarting it in 1 s on port " + registryPort), err);
            assertTrue(err.contains("The schema registry is back (pid " + restartedPid + ", restart 1, attempt 1,"), err);

            up.interrupt();
            assertTrue(up.stderr.toString().contains("Stopped in"), up.stderr.toString());
            assertTrue(Ports.isFree(registryPort), "the registry stopped with `hark up` and was not restarted");
        }
    }

    /** The registry JVM among `hark up`'s child processes (not its watchdog shell, whose script names the jar too). */
    static long registryPid(UpCommandTest.Up up) {
        List<ProcessHandle> registries = up.process.toHandle().children()
                .filter(h -> h.info().command().orElse("").endsWith("java")
                        && h.info().commandLine().orElse("").contains("apicurio-registry-app")).toList();
        assertEquals(1, registries.size(), "one registry process: " + registries);
        return registries.get(0).pid();
    }

    static HttpResponse<String> awaitHealth(URI health, Predicate<HttpResponse<String>> wanted, Duration timeout,
                                            UpCommandTest.Up up) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = HTTP.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (wanted.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("/health did not turn as expected within " + timeout + "; last: "
                + (last == null ? "none" : last.statusCode() + " " + last.body()) + "\nstderr:\n" + up.stderr);
    }
}
