package dev.hark.launcher;

import dev.hark.kafka.ClusterConfig;
import picocli.CommandLine.Option;

/** {@code --bootstrap-servers} and {@code --registry-url} for every command that talks to a running Hark. */
final class ClusterOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka (default: $HARK_BOOTSTRAP_SERVERS or " + ClusterConfig.LOCAL_BOOTSTRAP + ", the stack of hark up).")
    String bootstrap;

    @Option(names = "--registry-url", paramLabel = "URL",
            description = "Schema registry (default: $HARK_REGISTRY_URL or " + ClusterConfig.LOCAL_REGISTRY + ").")
    String registryUrl;

    /** The options, else the environment, else the local stack. */
    ClusterConfig cluster() {
        ClusterConfig env = ClusterConfig.fromEnv();
        return new ClusterConfig(bootstrap != null ? bootstrap : env.bootstrapServers(),
                registryUrl != null ? registryUrl : env.registryUrl(), env.kafka()); // security settings from the environment
    }
}
