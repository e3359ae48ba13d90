package dev.hark.testing;

import dev.hark.infra.LocalKafkaBroker;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

import kafka.server.BrokerServer;

/**
 * A real KRaft Kafka cluster running inside the test JVM ({@code kafka-test-common-runtime}): one
 * broker by default, three on request, with brokers that can be stopped and started again.
 *
 * <p>Uses the latest <em>production</em> metadata version: the kit's default is an unstable one.
 */
public final class KafkaTestCluster implements AutoCloseable {

    private final KafkaClusterTestKit kit;
    private final int brokerCount;
    private final AtomicBoolean closed = new AtomicBoolean();

    private KafkaTestCluster(KafkaClusterTestKit kit, int brokerCount) {
        this.kit = kit;
        this.brokerCount = brokerCount;
    }

    /** Starts a single-broker cluster (combined broker + controller). */
    public static KafkaTestCluster start() {
        return start(1, Map.of());
    }

    /**
     * Starts {@code brokers} brokers with one separate controller, so brokers can be stopped
     * without losing the quorum. Internal topics get a replication factor of min(3, brokers): on
     * one broker anything higher makes transactions and consumer groups hang.
     */
    public static KafkaTestCluster start(int brokers, Map<String, Object> extraConfig) {
        if (brokers < 1) {
            throw new IllegalArgumentException("brokers must be at least 1, was " + brokers);
        }
        int replication = Math.min(3, brokers);
        int minIsr = brokers >= 3 ? 2 : 1;
        try {
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                    .setCombined(brokers == 1)
                    .setNumBrokerNodes(brokers)
                    .setNumControllerNodes(1)
                    .build();
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes)
                    .setConfigProp("offsets.topic.replication.factor", String.valueOf(replication))
                    .setConfigProp("offsets.topic.num.partitions", "5")
                    .setConfigProp("transaction.state.log.replication.factor", String.valueOf(replication))
                    .setConfigProp("transaction.state.log.min.isr", String.valueOf(minIsr))
                    .setConfigProp("transaction.state.log.num.partitions", "5")
                    .setConfigProp("default.replication.factor", String.valueOf(replication))
                    .setConfigProp("min.insync.replicas", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("share.coordinator.state.topic.replication.factor", String.valueOf(replication))
                    .setConfigProp("share.coordinator.state.topic.min.isr", String.valueOf(minIsr))
                    .setConfigProp("auto.create.topics.enable", "false")
                    // as `hark up`'s broker (LocalKafkaBroker): records up to 20 MiB, so tests meet oversized input too
                    .setConfigProp("message.max.bytes", String.valueOf(20 * 1024 * 1024));
            extraConfig.forEach(builder::setConfigProp);
            KafkaClusterTestKit kit = builder.build();
            KafkaTestCluster cluster = new KafkaTestCluster(kit, brokers);
            try {
                kit.format();
                kit.startup();
                kit.waitForReadyBrokers();
            } catch (Exception | Error e) {
                cluster.close();
                throw e;
            }
            return cluster;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("could not start the embedded Kafka cluster: " + e, e);
        }
    }

    public String bootstrapServers() {
        return kit.bootstrapServers();
    }

    public int brokerCount() {
        return brokerCount;
    }

    public Set<Integer> brokerIds() {
        return kit.brokers().keySet();
    }

    /** Stops one broker (controlled shutdown); the rest of the cluster keeps running. */
    public void stopBroker(int id) {
        BrokerServer broker = broker(id);
        broker.shutdown();
        broker.awaitShutdown();
    }

    /** Starts a broker stopped with {@link #stopBroker(int)} again, on the same port and data. */
    public void startBroker(int id) {
        broker(id).startup();
    }

    private BrokerServer broker(int id) {
        BrokerServer broker = kit.brokers().get(id);
        if (broker == null) {
            throw new IllegalArgumentException("no broker " + id + "; brokers are " + brokerIds());
        }
        return broker;
    }

    /** Client properties with bootstrap servers set. */
    public Properties clientProperties() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return props;
    }

    public Admin admin() {
        return Admin.create(clientProperties());
    }

    /** Idempotent: the kit's own close() may be called only once. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                kit.close();
            } catch (Exception e) {
                throw new IllegalStateException("could not stop the embedded Kafka cluster: " + e, e);
            }
        }
    }

    @Override
    public String toString() {
        return "KafkaTestCluster[" + brokerCount + " broker(s) at " + bootstrapServers() + "]";
    }

    static Duration defaultTimeout() {
        return Duration.ofSeconds(60);
    }
}
