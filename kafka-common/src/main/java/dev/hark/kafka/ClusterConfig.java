package dev.hark.kafka;


import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.apache.kafka.clients.CommonClientConfigs;

/**
 * Where Kafka and the schema registry are, and the extra Kafka client settings every client of a
 * process gets (security). Defaults to the local stack of {@code hark up}; services in containers
 * read the environment ({@link #fromEnv(Map)}).
 *
 * @param kafka client properties added to every producer, consumer, admin and Streams config (e.g.
 *              {@code security.protocol}, {@code sasl.jaas.config}); empty for the local stack
 */
public record ClusterConfig(String bootstrapServers, String registryUrl, Map<String, String> kafka) {

    public static final String LOCAL_BOOTSTRAP = "localhost:9092";
    public static final String LOCAL_REGISTRY = "http://localhost:8081/apis/ccompat/v7";

    public ClusterConfig {
        kafka = Map.copyOf(kafka);
    }

    public ClusterConfig(String bootstrapServers, String registryUrl) {
        this(bootstrapServers, registryUrl, Map.of());
    }

    public static ClusterConfig fromEnv() {
        return fromEnv(System.getenv());
    }

    /**
     * <ul>
     *   <li>{@code HARK_BOOTSTRAP_SERVERS} (default {@value #LOCAL_BOOTSTRAP}), {@code HARK_REGISTRY_URL}
     *       (default {@value #LOCAL_REGISTRY});</li>
     *   <li>{@code HARK_SECURITY_PROTOCOL} ({@code SASL_SSL}, ...), {@code HARK_SASL_MECHANISM} ({@code PLAIN},
     *       {@code SCRAM-SHA-256}, {@code SCRAM-SHA-512}) with {@code HARK_SASL_USERNAME} and
     *       {@code HARK_SASL_PASSWORD} (the JAAS line is built from them);</li>
     *   <li>any Kafka client property as {@code HARK_KAFKA_<NAME>}: upper case, dots as underscores
     *       ({@code HARK_KAFKA_SSL_TRUSTSTORE_LOCATION=/certs/ts.jks} → {@code ssl.truststore.location});
     *       these win over the shortcuts above.</li>
     * </ul>
     */
    public static ClusterConfig fromEnv(Map<String, String> env) {
        Map<String, String> kafka = new LinkedHashMap<>();
        put(kafka, CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, env.get("HARK_SECURITY_PROTOCOL"));
        String mechanism = env.get("HARK_SASL_MECHANISM");
        put(kafka, "sasl.mechanism", mechanism);
        String user = env.get("HARK_SASL_USERNAME");
        if (user != null && !user.isBlank()) {
            String module = mechanism != null && mechanism.toUpperCase(Locale.ROOT).startsWith("SCRAM")
                    ? "org.apache.kafka.common.security.scram.ScramLoginModule"
                    : "org.apache.kafka.common.security.plain.PlainLoginModule";
            kafka.put("sasl.jaas.config", module + " required username=\"" + jaasEscape(user) + "\" password=\""
                    + jaasEscape(env.getOrDefault("HARK_SASL_PASSWORD", "")) + "\";");
        }
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            // HARK_KAFKA_STREAMS_* are Kafka Streams settings (StreamApps.envOverrides), not client settings
            if (e.getKey().startsWith("HARK_KAFKA_") && !e.getKey().startsWith("HARK_KAFKA_STREAMS_")
                    && e.getKey().length() > "HARK_KAFKA_".length()) {
                put(kafka, e.getKey().substring("HARK_KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.'),
                        e.getValue());
            }
        }
        return new ClusterConfig(env.getOrDefault("HARK_BOOTSTRAP_SERVERS", LOCAL_BOOTSTRAP),
                env.getOrDefault("HARK_REGISTRY_URL", LOCAL_REGISTRY), kafka);
    }

    private static void put(Map<String, String> kafka, String key, String value) {
        if (value != null && !value.isBlank()) {
            kafka.put(key, value.trim());
        }
    }

    private static String jaasEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** {@code bootstrap.servers} plus {@link #kafka()}: the start of every client's configuration. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.putAll(kafka);
        return p;
    }

    /** Hides secrets (the JAAS line, passwords) for logs. */
    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        kafka.forEach((k, v) -> shown.put(k, k.contains("jaas") || k.contains("password") ? "****" : v));
        return "ClusterConfig[bootstrapServers=" + bootstrapServers + ", registryUrl="
                + dev.hark.schemas.registry.SchemaRegistryClient.withoutCredentials(registryUrl) + ", kafka=" + shown + "]";
    }
}
