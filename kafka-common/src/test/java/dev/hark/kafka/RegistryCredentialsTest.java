package dev.hark.kafka;

import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.registry.SchemaRegistryException;

import com.sun.net.httpserver.HttpServer;
import dev.hark.avro.AudioClip;
import dev.hark.infra.ApicurioRegistry;
import dev.hark.testing.EmbeddedInfra;
import dev.hark.kafka.ClusterConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Credentials in the registry URL, against the real Apicurio registry behind a proxy that demands HTTP
 * basic authentication (the usual way to protect a registry that has no users of its own).
 */
class RegistryCredentialsTest {

    static final String USER = "hark";
    static final String PASSWORD = "s3cret p@ss:word";
    static HttpServer proxy;
    static String proxyRoot;
    static final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startProxy() throws IOException {
        ApicurioRegistry registry = EmbeddedInfra.sharedRegistry();
        String upstream = "http://localhost:" + registry.port();
        String expected = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        HttpClient http = HttpClient.newHttpClient();
        proxy = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        proxy.createContext("/", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            seen.add(auth == null ? "none" : auth);
            byte[] body;
            int status;
            String type = "application/json";
            if (!expected.equals(auth)) {
                status = 401;
                body = "{\"error_code\":401,\"message\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"registry\"");
            } else {
                byte[] in = exchange.getRequestBody().readAllBytes();
                HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(upstream + exchange.getRequestURI()))
                        .method(exchange.getRequestMethod(), in.length == 0
                                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(in));
                for (String h : List.of("Accept", "Content-Type")) {
                    String v = exchange.getRequestHeaders().getFirst(h);
                    if (v != null) {
                        forward.header(h, v);
                    }
                }
                try {
                    HttpResponse<byte[]> r = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
                    status = r.statusCode();
                    body = r.body();
                    type = r.headers().firstValue("Content-Type").orElse(type);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            exchange.getResponseHeaders().add("Content-Type", type);
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        proxy.start();
        proxyRoot = "localhost:" + proxy.getAddress().getPort() + ApicurioRegistry.CONFLUENT_PATH;
    }

    @AfterAll
    static void stopProxy() {
        proxy.stop(0);
    }

    static String withCredentials(String user, String password) {
        return "http://" + encode(user) + ":" + encode(password) + "@" + proxyRoot;
    }

    static String encode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Test
    void credentialsInTheUrlAreSentAndNeverShown() {
        SchemaRegistryClient client = new SchemaRegistryClient(withCredentials(USER, PASSWORD));
        seen.clear();
        String subject = "auth-" + UUID.randomUUID() + "-value";
        int id = client.register(subject, AudioClip.getClassSchema());
        assertEquals(AudioClip.getClassSchema(), new SchemaRegistryClient(withCredentials(USER, PASSWORD)).schemaById(id));
        assertFalse(seen.isEmpty());
        assertTrue(seen.stream().allMatch(a -> a.startsWith("Basic ")), "every request authenticated: " + seen);

        String shown = new ClusterConfig("localhost:9092", withCredentials(USER, PASSWORD)).toString();
        assertFalse(shown.contains(encode(PASSWORD)) || shown.contains(PASSWORD), shown);
        assertTrue(shown.contains("http://" + proxyRoot), shown);
    }

    @Test
    void withoutCredentialsTheErrorSaysWhereToPutThem() {
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> new SchemaRegistryClient("http://" + proxyRoot).subjects());
        assertEquals(401, e.httpStatus());
        assertTrue(e.getMessage().contains("wants credentials"), e.getMessage());
    }

    @Test
    void aWrongPasswordIsRefusedWithoutShowingIt() {
        String wrong = "not-the-password";
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> new SchemaRegistryClient(withCredentials(USER, wrong)).subjects());
        assertEquals(401, e.httpStatus());
        assertTrue(e.getMessage().contains("check the user and password"), e.getMessage());
        assertFalse(e.getMessage().contains(wrong), e.getMessage());
    }

    @Test
    void credentialsAreCutFromAnyUrlBeforeItIsPrinted() {
        assertEquals("https://reg.example:8081/x", SchemaRegistryClient.withoutCredentials("https://u:p@reg.example:8081/x"));
        assertEquals("https://reg.example", SchemaRegistryClient.withoutCredentials("https://u:p@ss@reg.example"));
        assertEquals("http://localhost:8081/a@b", SchemaRegistryClient.withoutCredentials("http://localhost:8081/a@b"));
        assertEquals("not a url", SchemaRegistryClient.withoutCredentials("not a url"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> new SchemaRegistryClient("http://u:se cret@host:8081/ x"));
        assertFalse(bad.getMessage().contains("se cret"), bad.getMessage());
    }
}
