package dev.hark.schemas;

import java.util.Map;

/**
 * Where Kafka and the schema registry are. Defaults to the local stack of {@code hark up}; services
 * in containers read {@code HARK_BOOTSTRAP_SERVERS} and {@code HARK_REGISTRY_URL}.
 */
public record ClusterConfig(String bootstrapServers, String registryUrl) {

    public static final String LOCAL_BOOTSTRAP = "localhost:9092";
    public static final String LOCAL_REGISTRY = "http://localhost:8081/apis/ccompat/v7";

    public static ClusterConfig local() {
        return new ClusterConfig(LOCAL_BOOTSTRAP, LOCAL_REGISTRY);
    }

    public static ClusterConfig fromEnv() {
        return fromEnv(System.getenv());
    }

    public static ClusterConfig fromEnv(Map<String, String> env) {
        return new ClusterConfig(env.getOrDefault("HARK_BOOTSTRAP_SERVERS", LOCAL_BOOTSTRAP),
                env.getOrDefault("HARK_REGISTRY_URL", LOCAL_REGISTRY));
    }
}
