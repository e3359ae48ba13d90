package dev.hark.schemas.registry;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A small client for Confluent Schema Registry's REST API (also served by Apicurio Registry under
 * {@code /apis/ccompat/v7}). Schema ids and id lookups are cached for the life of the client, so
 * once a schema has been seen, serialising and deserialising never call HTTP again: a registry that
 * goes down during a run does not stop records that use known schemas.
 * The production {@link SchemaStore}.
 */
public final class SchemaRegistryClient implements SchemaStore {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    /** {@code Basic ...} from the URL's user info, or null: Confluent's {@code basic.auth.credentials.source=URL}. */
    private final String authorization;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

    private record SubjectSchema(String subject, Schema schema) {
    }

    /**
     * @param baseUrl the Confluent-compatible base URL, e.g. {@code http://localhost:8081/apis/ccompat/v7}
     *                for Apicurio or {@code http://localhost:8081} for Confluent Schema Registry; with
     *                {@code user:password@} before the host (percent-encoded where needed) every request
     *                carries HTTP basic authentication, and the credentials never appear in messages
     */
    public SchemaRegistryClient(String baseUrl) {
        this(baseUrl, Duration.ofSeconds(5), Duration.ofSeconds(15));
    }

    public SchemaRegistryClient(String baseUrl, Duration connectTimeout, Duration requestTimeout) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        URI uri;
        try {
            uri = new URI(baseUrl);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a valid schema registry URL: " + withoutCredentials(baseUrl), e);
        }
        String userInfo = uri.getUserInfo(); // decoded
        String url = baseUrl;
        if (userInfo != null) {
            url = withoutCredentials(baseUrl);
            authorization = "Basic " + java.util.Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        } else {
            authorization = null;
        }
        this.baseUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
    }

    /** {@code scheme://user:secret@host/...} → {@code scheme://host/...}, textually, so that even a malformed URL is safe to print. */
    public static String withoutCredentials(String url) {
        int scheme = url.indexOf("://");
        int start = scheme < 0 ? 0 : scheme + 3;
        int slash = url.indexOf('/', start);
        int end = slash < 0 ? url.length() : slash;
        int at = url.lastIndexOf('@', end - 1);
        return at < start ? url : url.substring(0, start) + url.substring(at + 1);
    }

    /** Fails with a clear {@link SchemaRegistryUnavailableException} unless the registry answers. */
    public void checkReachable() {
        subjects();
    }

    /** Registers {@code schema} under {@code subject} (or finds it already there) and returns its global id. */
    @Override
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema),
                "register a schema under subject '" + subject + "'");
        int id = answer.path("id").asInt(-1);
        if (id < 0) {
            throw new SchemaRegistryException("registry at " + baseUrl + " answered the registration under '"
                    + subject + "' without an id: " + answer, 200);
        }
        idsBySubjectSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /** Finds the id of {@code schema} under {@code subject} without registering it; not found is an exception. */
    @Override
    public RegisteredSchema lookup(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        JsonNode answer = send("POST", "/subjects/" + encode(subject), schemaBody(schema),
                "look up a schema under subject '" + subject + "'");
        RegisteredSchema found = toRegistered(answer, subject);
        idsBySubjectSchema.put(key, found.id());
        return found;
    }

    /** The schema with this global id; cached forever once fetched (ids are immutable). */
    @Override
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/schemas/ids/" + id, null, "fetch schema id " + id);
        Schema schema = parse(answer.path("schema").asText(), "schema id " + id);
        Schema raced = schemasById.putIfAbsent(id, schema);
        return raced != null ? raced : schema;
    }

    /** The subject's latest version: always asks the registry (it changes). */
    public RegisteredSchema latest(String subject) {
        JsonNode answer = send("GET", "/subjects/" + encode(subject) + "/versions/latest", null,
                "fetch the latest schema of subject '" + subject + "'");
        RegisteredSchema latest = toRegistered(answer, subject);
        schemasById.putIfAbsent(latest.id(), latest.schema());
        return latest;
    }

    /**
     * Fetches every version of {@code subject} into the cache, so records written with any of them read
     * without asking the registry again (through an outage, say). A subject that does not exist yet is
     * simply empty. Returns the ids.
     */
    public List<Integer> preload(String subject) {
        JsonNode versions;
        try {
            versions = send("GET", "/subjects/" + encode(subject) + "/versions", null,
                    "list the versions of subject '" + subject + "'");
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                return List.of();
            }
            throw e;
        }
        List<Integer> ids = new ArrayList<>();
        for (JsonNode v : versions) {
            JsonNode answer = send("GET", "/subjects/" + encode(subject) + "/versions/" + v.asInt(), null,
                    "fetch version " + v.asInt() + " of subject '" + subject + "'");
            RegisteredSchema r = toRegistered(answer, subject);
            schemasById.putIfAbsent(r.id(), r.schema());
            ids.add(r.id());
        }
        return ids;
    }

    public List<String> subjects() {
        JsonNode answer = send("GET", "/subjects", null, "list subjects");
        List<String> subjects = new ArrayList<>();
        answer.forEach(node -> subjects.add(node.asText()));
        return subjects;
    }

    private RegisteredSchema toRegistered(JsonNode answer, String subject) {
        int id = answer.path("id").asInt(-1);
        int version = answer.path("version").asInt(-1);
        Schema schema = parse(answer.path("schema").asText(), "subject '" + subject + "'");
        return new RegisteredSchema(answer.path("subject").asText(subject), version, id, schema);
    }

    private static Schema parse(String text, String what) {
        try {
            return new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            throw new SchemaRegistryException("the registry returned a schema for " + what
                    + " that is not valid Avro: " + e.getMessage(), e);
        }
    }

    private static String schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString()).toString();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode send(String method, String path, String body, String action) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(requestTimeout)
                .header("Accept", CONTENT_TYPE + ", application/json");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE);
            request.method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw unavailable(action, "connection refused or timed out", e);
        } catch (HttpTimeoutException e) {
            throw unavailable(action, "no answer within " + requestTimeout.toSeconds() + " s", e);
        } catch (IOException e) {
            throw unavailable(action, e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("interrupted while trying to " + action, e);
        }
        JsonNode json;
        try {
            json = response.body() == null || response.body().isBlank()
                    ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            json = JSON.createObjectNode().put("message", response.body());
        }
        int status = response.statusCode();
        if (status / 100 != 2) {
            int errorCode = json.path("error_code").asInt(status);
            String message = json.path("message").asText(json.toString());
            String hint = status == 401 || status == 403
                    ? (authorization == null
                        ? " (the registry wants credentials: put them in the URL, http://USER:PASSWORD@host:port/...)"
                        : " (check the user and password in the registry URL)")
                    : "";
            throw new SchemaRegistryException("schema registry at " + baseUrl + " refused to " + action
                    + ": HTTP " + status + ", error " + errorCode + ": " + message + hint, status);
        }
        return json;
    }

    private SchemaRegistryUnavailableException unavailable(String action, String why, Exception cause) {
        return new SchemaRegistryUnavailableException("schema registry at " + baseUrl + " is unreachable ("
                + why + ") while trying to " + action
                + ". Is it running? Start the local stack with `./hark up`, or point Hark at your registry.", cause);
    }
}
