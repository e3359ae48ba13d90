package dev.hark.producer;

import java.util.Properties;

import org.apache.kafka.clients.producer.ProducerConfig;

import dev.hark.kafka.ClusterConfig;

/** What every Hark publisher promises: idempotent, acknowledged by every in-sync replica. */
public final class ReliableProducer {
    private ReliableProducer() {
    }

    /** The cluster's client settings, with acks=all and idempotence; {@code lingerMs} trades latency for batching. */
    public static Properties properties(ClusterConfig cluster, int lingerMs) {
        Properties p = cluster.clientProperties(); // bootstrap servers and security settings
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        return p;
    }
}
