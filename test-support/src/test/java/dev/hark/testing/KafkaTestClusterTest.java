package dev.hark.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** A three-broker in-process cluster keeps working with a broker down, and takes it back. */
class KafkaTestClusterTest {

    @Test
    void threeBrokersKeepServingWithOneStoppedAndTakeItBack() throws Exception {
        try (KafkaTestCluster cluster = KafkaTestCluster.start(3, Map.of())) {
            assertEquals(3, cluster.brokerIds().size());
            String topic = "replicated-" + UUID.randomUUID();
            try (Admin admin = cluster.admin()) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
            }
            Properties producerProps = cluster.clientProperties();
            producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
            producerProps.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>(topic, "k", "before")).get();

                int leader = leaderOf(cluster, topic);
                cluster.stopBroker(leader);
                producer.send(new ProducerRecord<>(topic, "k", "during")).get(); // new leader, ISR of 2

                cluster.startBroker(leader);
                long deadline = System.currentTimeMillis() + 60_000;
                while (isrSize(cluster, topic) < 3 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(200);
                }
                assertEquals(3, isrSize(cluster, topic), "the restarted broker rejoins the ISR");
                producer.send(new ProducerRecord<>(topic, "k", "after")).get();
            }
            assertEquals(List.of("before", "during", "after"), readAll(cluster, topic, 3));
        }
    }

    @Test
    void closeTwiceIsHarmless() {
        KafkaTestCluster cluster = KafkaTestCluster.start();
        cluster.close();
        cluster.close();
    }

    static int leaderOf(KafkaTestCluster cluster, String topic) throws Exception {
        return describe(cluster, topic).partitions().get(0).leader().id();
    }

    static int isrSize(KafkaTestCluster cluster, String topic) throws Exception {
        return describe(cluster, topic).partitions().get(0).isr().size();
    }

    static TopicDescription describe(KafkaTestCluster cluster, String topic) throws Exception {
        try (Admin admin = cluster.admin()) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        }
    }

    static List<String> readAll(KafkaTestCluster cluster, String topic, int expected) {
        Properties props = cluster.clientProperties();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(300)).forEach(r -> values.add(r.value()));
            }
        }
        assertTrue(values.size() >= expected, "read " + values);
        return values;
    }
}
