package dev.hark.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The single-node broker of `hark up`: formats once, keeps topics and records across restarts. */
class LocalKafkaBrokerTest {

    @Test
    void topicsAndRecordsSurviveARestart(@TempDir Path dataDir) throws Exception {
        int port = Ports.freePort();
        int controllerPort = Ports.freePort();
        String topic = "kept-" + UUID.randomUUID();
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dataDir, "localhost", port, controllerPort)) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            }
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>(topic, "k", "remember me")).get();
            }
        }
        try (LocalKafkaBroker again = LocalKafkaBroker.start(dataDir, "localhost", port, controllerPort)) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, again.bootstrapServers()))) {
                assertTrue(admin.listTopics().names().get().contains(topic), "topic kept");
            }
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, again.bootstrapServers());
            props.put(ConsumerConfig.GROUP_ID_CONFIG, "g-" + UUID.randomUUID());
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                    new StringDeserializer())) {
                consumer.subscribe(List.of(topic));
                long deadline = System.currentTimeMillis() + 30_000;
                while (values.isEmpty() && System.currentTimeMillis() < deadline) {
                    consumer.poll(Duration.ofMillis(300)).forEach(r -> values.add(r.value()));
                }
            }
            assertEquals(List.of("remember me"), values, "record kept");
        }
    }

    @Test
    void aPortInUseIsAClearError(@TempDir Path dataDir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Ports.PortInUseException e = assertThrows(Ports.PortInUseException.class,
                    () -> LocalKafkaBroker.start(dataDir, "localhost", taken.getLocalPort(), Ports.freePort()));
            assertEquals(taken.getLocalPort(), e.port());
            assertTrue(e.getMessage().contains("--kafka-port"), e.getMessage());
        }
    }
}
