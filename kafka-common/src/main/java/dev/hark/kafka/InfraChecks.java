package dev.hark.kafka;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;

import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.telemetry.MetricsServer.Check;

/**
 * {@code /health} checks of what every service depends on: Kafka and the schema registry. Each asks
 * with a short timeout ({@link #TIMEOUT}) and keeps its answer for {@link #CACHE}, so {@code /health}
 * and the {@code hark_service_up} gauges stay cheap however often they are read. Wiring, next to a
 * service's own check:
 * <pre>{@code
 * server.check("kafka", InfraChecks.kafka(cluster.clientProperties()))
 *       .check("registry", InfraChecks.registry(cluster.registryUrl()));
 * }</pre>
 */
public final class InfraChecks {
    /** How long a check waits for Kafka or the registry to answer. */
    public static final Duration TIMEOUT = Duration.ofMillis(1500);
    /** How long an answer is reused. */
    public static final Duration CACHE = Duration.ofSeconds(1);

    private InfraChecks() {
    }

    /**
     * Up while the cluster answers an Admin {@code describeCluster} within {@link #TIMEOUT}: detail
     * {@code cluster ID, N broker(s)}. One Admin client is created on first use and kept; close the
     * check to close it.
     *
     * @param clientProperties {@code bootstrap.servers} and any security settings, as every client of the
     *                         process gets them
     */
    public static KafkaCheck kafka(Properties clientProperties) {
        return new KafkaCheck(clientProperties);
    }

    /**
     * Up while the Confluent-compatible registry at {@code url} answers {@code GET /subjects} with 200
     * within {@link #TIMEOUT}. Credentials in the URL ({@code https://user:secret@host/...}) are sent as
     * HTTP basic authentication and never shown in the detail.
     */
    public static Supplier<Check> registry(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid schema registry URL: " + SchemaRegistryClient.withoutCredentials(url), e);
        }
        String shown = SchemaRegistryClient.withoutCredentials(url);
        String base = shown.endsWith("/") ? shown.substring(0, shown.length() - 1) : shown;
        String authorization = uri.getUserInfo() == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(uri.getUserInfo().getBytes(StandardCharsets.UTF_8));
        HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/subjects")).timeout(TIMEOUT).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpRequest probe = request.build();
        return cached(() -> {
            try {
                int status = http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode();
                return status == 200 ? Check.up(base) : Check.down(base + " answered HTTP " + status);
            } catch (java.net.http.HttpTimeoutException e) {
                return Check.down(base + " did not answer within " + TIMEOUT.toMillis() + " ms");
            } catch (java.io.IOException e) {
                return Check.down(base + " is unreachable (" + reason(e) + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Check.down("interrupted");
            }
        }, CACHE);
    }

    /** {@code check}, asked at most once per {@code ttl}; callers in between get the last answer. */
    public static Supplier<Check> cached(Supplier<Check> check, Duration ttl) {
        return new Supplier<>() {
            private Check last;
            private long askedAt;

            @Override
            public synchronized Check get() {
                long now = System.nanoTime();
                if (last == null || now - askedAt >= ttl.toNanos()) {
                    try {
                        last = check.get();
                    } catch (RuntimeException e) {
                        last = Check.down(e.toString());
                    }
                    askedAt = System.nanoTime();
                }
                return last;
            }
        };
    }

    /** The Kafka check; holds one Admin client. */
    public static final class KafkaCheck implements Supplier<Check>, AutoCloseable {
        private final Properties properties;
        private final Supplier<Check> cached;
        private Admin admin;
        private boolean closed;

        KafkaCheck(Properties clientProperties) {
            this.properties = new Properties();
            properties.putAll(clientProperties);
            properties.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "hark-health");
            properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
            properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
            this.cached = cached(this::ask, CACHE);
        }

        @Override
        public Check get() {
            return cached.get();
        }

        private Check ask() {
            String servers = String.valueOf(properties.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
            Admin a;
            synchronized (this) {
                if (closed) {
                    return Check.down("closed");
                }
                if (admin == null) {
                    admin = Admin.create(properties);
                }
                a = admin;
            }
            try {
                DescribeClusterResult cluster = a.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()));
                long deadline = System.nanoTime() + TIMEOUT.toNanos() + 500_000_000L;
                String id = cluster.clusterId().get(Math.max(1, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
                int brokers = cluster.nodes().get(Math.max(1, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS).size();
                return Check.up("cluster " + id + ", " + brokers + (brokers == 1 ? " broker" : " brokers"));
            } catch (TimeoutException e) {
                return Check.down(servers + " did not answer within " + TIMEOUT.toMillis() + " ms");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                    return Check.down(servers + " did not answer within " + TIMEOUT.toMillis() + " ms");
                }
                return Check.down(servers + ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Check.down("interrupted");
            }
        }

        @Override
        public synchronized void close() {
            closed = true;
            if (admin != null) {
                admin.close(Duration.ofSeconds(1));
                admin = null;
            }
        }
    }

    /** The first message along the causes ("Connection refused"), else the exception's simple name. */
    static String reason(Throwable e) {
        if (e instanceof java.net.ConnectException && e.getMessage() == null) {
            return "connection refused"; // what the JDK's HTTP client throws, without a message, when nothing listens
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }
}
