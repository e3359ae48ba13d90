package dev.hark.kafka;

import dev.hark.telemetry.MetricsServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

/** The Kafka and registry checks against real sockets: a small HTTP server, and a port nobody listens on. */
class InfraChecksTest {

    @Test
    void registryIsUpWhileItAnswersAndSendsTheUrlsCredentials() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicReference<String> auth = new AtomicReference<>();
        AtomicInteger asked = new AtomicInteger();
        server.createContext("/apis/ccompat/v7/subjects", x -> {
            asked.incrementAndGet();
            auth.set(x.getRequestHeaders().getFirst("Authorization"));
            byte[] body = "[]".getBytes();
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        server.start();
        try {
            String url = "http://us%40er:se%3Acret@127.0.0.1:" + server.getAddress().getPort() + "/apis/ccompat/v7";
            Supplier<MetricsServer.Check> check = InfraChecks.registry(url);
            MetricsServer.Check up = check.get();
            assertTrue(up.up(), up.detail());
            assertEquals("http://127.0.0.1:" + server.getAddress().getPort() + "/apis/ccompat/v7", up.detail(), "no credentials shown");
            assertEquals("Basic " + java.util.Base64.getEncoder().encodeToString("us@er:se:cret".getBytes()), auth.get());
            check.get();
            assertEquals(1, asked.get(), "the answer is kept for a while");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void registryAndKafkaAreDownWhereNothingListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            port = s.getLocalPort();
        }
        MetricsServer.Check registry = InfraChecks.registry("http://127.0.0.1:" + port + "/apis/ccompat/v7").get();
        assertFalse(registry.up());
        assertTrue(registry.detail().contains("127.0.0.1:" + port) && registry.detail().contains("unreachable"), registry.detail());

        Properties props = new Properties();
        props.put("bootstrap.servers", "127.0.0.1:" + port);
        try (InfraChecks.KafkaCheck kafka = InfraChecks.kafka(props)) {
            long t0 = System.nanoTime();
            MetricsServer.Check down = kafka.get();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertFalse(down.up());
            assertTrue(down.detail().contains("127.0.0.1:" + port), down.detail());
            assertTrue(ms < 5_000, "answered in " + ms + " ms");
        }
    }
}
