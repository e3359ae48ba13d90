package dev.hark.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

/**
 * The single-node Kafka of {@code hark up}: one KRaft process acting as broker and controller,
 * data in a directory the user can see and delete. Formats the directory on first start and reuses
 * it afterwards, so topics and records survive a restart.
 */
public final class LocalKafkaBroker implements AutoCloseable {

    private final KafkaRaftServer server;
    private final String bootstrap;
    private boolean closed;

    private LocalKafkaBroker(KafkaRaftServer server, String bootstrap) {
        this.server = server;
        this.bootstrap = bootstrap;
    }

    public static LocalKafkaBroker start(Path dataDir, String host, int port, int controllerPort) {
        Ports.requireFree(port, "Kafka", "--kafka-port");
        Ports.requireFree(controllerPort, "Kafka controller", "--controller-port");
        Path logDir = dataDir.toAbsolutePath().resolve("kafka");
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@" + host + ":" + controllerPort);
        props.put("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        // one broker: internal topics must not ask for more replicas than exist
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "false");
        // models can be large; the models topic raises its own limit further
        props.put("message.max.bytes", String.valueOf(20 * 1024 * 1024));
        props.put("replica.fetch.max.bytes", String.valueOf(20 * 1024 * 1024));
        props.put("num.partitions", "1");
        props.put("log.retention.check.interval.ms", "60000");

        KafkaConfig config = KafkaConfig.fromProps(props, false);
        try {
            Files.createDirectories(logDir);
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                new Formatter()
                        .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
                        .setNodeId(1)
                        .setClusterId(Uuid.randomUuid().toString())
                        .setDirectories(List.of(logDir.toString()))
                        .setMetadataLogDirectory(logDir.toString())
                        .setControllerListenerName("CONTROLLER")
                        .setReleaseVersion(MetadataVersion.latestProduction())
                        .run();
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot create Kafka's data directory " + logDir + ": " + e.getMessage(), e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka's data directory " + logDir + ": " + e.getMessage(), e);
        }
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        return new LocalKafkaBroker(server, host + ":" + port);
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            server.shutdown();
            server.awaitShutdown();
        }
    }
}
