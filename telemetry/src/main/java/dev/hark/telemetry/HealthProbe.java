package dev.hark.telemetry;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A container health check that needs no curl in the image: {@code java -cp @/app/jib-classpath-file
 * dev.hark.telemetry.HealthProbe [URL]} exits 0 when {@code /health} answers 200, 1 otherwise. The URL
 * defaults to {@code http://127.0.0.1:$HARK_METRICS_PORT/health}.
 */
public final class HealthProbe {
    private HealthProbe() {
    }

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0]
                : "http://127.0.0.1:" + MetricsServer.portFromEnv(System.getenv()) + "/health";
        try {
            HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()
                    .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.ofString());
            System.out.print(r.body());
            System.exit(r.statusCode() == 200 ? 0 : 1);
        } catch (Exception e) {
            System.out.println(url + ": " + e);
            System.exit(1);
        }
    }
}
