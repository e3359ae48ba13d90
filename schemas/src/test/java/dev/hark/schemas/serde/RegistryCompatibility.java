package dev.hark.schemas.serde;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.apache.avro.Schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The registry's compatibility rules, through its Confluent REST API: what the schema-evolution test
 * sets and asks. Hark itself never does either (compatibility is the registry operator's setting).
 */
final class RegistryCompatibility {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private final String baseUrl;
    private final HttpClient http = HttpClient.newHttpClient();

    RegistryCompatibility(String confluentBaseUrl) {
        this.baseUrl = confluentBaseUrl.endsWith("/") ? confluentBaseUrl.substring(0, confluentBaseUrl.length() - 1)
                : confluentBaseUrl;
    }

    /** Sets the subject's compatibility level (BACKWARD, FORWARD, FULL, NONE, ...). */
    void set(String subject, String level) {
        send("PUT", "/config/" + encode(subject), JSON.createObjectNode().put("compatibility", level).toString());
    }

    /** Whether {@code schema} may be registered next under {@code subject}, by the subject's rule. */
    boolean isCompatible(String subject, Schema schema) {
        JsonNode answer = send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest",
                JSON.createObjectNode().put("schema", schema.toString()).toString());
        if (!answer.has("is_compatible")) {
            throw new IllegalStateException("a compatibility answer without is_compatible: " + answer);
        }
        return answer.get("is_compatible").asBoolean();
    }

    private JsonNode send(String method, String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", CONTENT_TYPE).header("Accept", CONTENT_TYPE + ", application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException(method + " " + path + ": HTTP " + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
