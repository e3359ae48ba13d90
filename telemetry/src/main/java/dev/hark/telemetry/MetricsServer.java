package dev.hark.telemetry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The HTTP endpoint every Hark service serves (JDK HTTP server, no framework):
 * <ul>
 *   <li>{@code GET /metrics} — {@link Metrics#scrape()} in the Prometheus text format;</li>
 *   <li>{@code GET /health} — 200 and {@code {"status":"UP",...}} when every registered check is up,
 *       503 and {@code "DOWN"} otherwise, with each check's detail (e.g. a Kafka Streams state).</li>
 * </ul>
 * Port 0 picks a free port ({@link #port()}).
 */
public final class MetricsServer implements AutoCloseable {
    /** The port Prometheus' Java exporters conventionally use; {@code HARK_METRICS_PORT} changes it. */
    public static final int DEFAULT_PORT = 9464;

    /** One health check's answer. */
    public record Check(boolean up, String detail) {
        public static Check up(String detail) {
            return new Check(true, detail);
        }

        public static Check down(String detail) {
            return new Check(false, detail);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Metrics metrics;
    private final Map<String, Supplier<Check>> checks = new LinkedHashMap<>();

    private MetricsServer(HttpServer server, Metrics metrics) {
        this.server = server;
        this.metrics = metrics;
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "hark-metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", this::metrics);
        server.createContext("/health", this::health);
        server.createContext("/", this::index);
    }

    /** Serves {@code metrics} on {@code host:port} (port 0: any free port). */
    public static MetricsServer start(String host, int port, Metrics metrics) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 16);
        MetricsServer s = new MetricsServer(http, metrics);
        http.start();
        return s;
    }

    /** Serves the process-wide registry on every interface (containers) with the JVM gauges. */
    public static MetricsServer start(int port) throws IOException {
        JvmMetrics.register(Metrics.global());
        return start("0.0.0.0", port, Metrics.global());
    }

    /** {@code HARK_METRICS_PORT} (default 9464). */
    public static int portFromEnv(Map<String, String> env) {
        String p = env.get("HARK_METRICS_PORT");
        return p == null || p.isBlank() ? DEFAULT_PORT : Integer.parseInt(p.trim());
    }

    /** Adds a health check; {@code /health} is up only when all are. */
    public synchronized MetricsServer check(String name, Supplier<Check> check) {
        checks.put(name, check);
        HarkMeters.UP.set(() -> safe(check).up() ? 1 : 0, name);
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static Check safe(Supplier<Check> check) {
        try {
            return check.get();
        } catch (RuntimeException e) {
            return Check.down(e.toString());
        }
    }

    private void metrics(HttpExchange x) throws IOException {
        send(x, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
    }

    private void health(HttpExchange x) throws IOException {
        Map<String, Check> results = new LinkedHashMap<>();
        synchronized (this) {
            checks.forEach((name, c) -> results.put(name, safe(c)));
        }
        boolean up = results.values().stream().allMatch(Check::up);
        StringBuilder json = new StringBuilder("{\"status\":\"").append(up ? "UP" : "DOWN").append("\",\"checks\":{");
        boolean first = true;
        for (Map.Entry<String, Check> e : results.entrySet()) {
            json.append(first ? "" : ",").append('"').append(jsonEscape(e.getKey())).append("\":{\"status\":\"")
                    .append(e.getValue().up() ? "UP" : "DOWN").append("\",\"detail\":\"")
                    .append(jsonEscape(e.getValue().detail())).append("\"}");
            first = false;
        }
        json.append("}}\n");
        send(x, up ? 200 : 503, "application/json", json.toString());
    }

    private void index(HttpExchange x) throws IOException {
        if (!x.getRequestURI().getPath().equals("/")) {
            send(x, 404, "text/plain; charset=utf-8", "not found; try /metrics or /health\n");
            return;
        }
        send(x, 200, "text/plain; charset=utf-8", "Hark: /metrics (Prometheus), /health\n");
    }

    private static void send(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        if (x.getRequestMethod().equals("HEAD")) {
            x.sendResponseHeaders(status, -1);
        } else {
            x.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(bytes);
            }
        }
        x.close();
    }

    private static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : (s == null ? "" : s).toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
