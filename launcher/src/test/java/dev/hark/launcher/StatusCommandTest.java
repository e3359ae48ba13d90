package dev.hark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import dev.hark.testing.EmbeddedInfra;
import dev.hark.kafka.DeadLetters;
import dev.hark.kafka.TopicAdmin;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroSerializer;

/** {@code hark status} on the embedded Kafka: topics, a group's lag, dead letters by stage and reason. */
class StatusCommandTest {

    @Test
    void showsTopicsLagChampionAndDeadLetters() throws Exception {
        EmbeddedInfra infra = EmbeddedInfra.shared();
        TopicAdmin.ensureTopics(infra.bootstrapServers(), 3);
        SchemaRegistryClient registry = new SchemaRegistryClient(infra.registryUrl());
        String group = "hark-status-test-" + UUID.randomUUID().toString().substring(0, 8);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
        TopicPartition dlq0 = new TopicPartition(Topics.AUDIO_DLQ.name(), 0);
        try (KafkaProducer<String, dev.hark.avro.DeadLetter> p = new KafkaProducer<>(props, new StringSerializer(),
                new AvroSerializer<>(registry))) {
            for (int i = 0; i < 3; i++) {
                p.send(new ProducerRecord<>(dlq0.topic(), 0, "k" + i, DeadLetters.of("status-test-stage", "status-test-reason",
                        "test", null, DeadLetters.Origin.of("test", null, null, 0L, "k" + i, new byte[] {1}), "k" + i, null, 0L))).get();
            }
        }
        // a group that has read nothing of partition 0: its lag there is the whole partition
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.commitSync(Map.of(dlq0, new OffsetAndMetadata(0)));
        }

        ClassifyCommandTest.Run r = ClassifyCommandTest.run("status", "--interval", "1s", "--bootstrap-servers",
                infra.bootstrapServers(), "--registry-url", infra.registryUrl());
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        for (var topic : Topics.ALL) {
            assertTrue(Pattern.compile("(?m)^" + Pattern.quote(topic.name()) + " +\\d+ +\\d+ +\\d+\\.\\d$").matcher(out).find(),
                    topic.name() + " with partitions, records and a rate:\n" + out);
        }
        assertTrue(Pattern.compile("(?m)^" + group + " +audio\\.dlq +([3-9]|\\d\\d+) +Empty").matcher(out).find(), out);
        assertTrue(out.contains("champion: "), out);
        assertTrue(Pattern.compile("(?m)^ +3  status-test-stage  status-test-reason$").matcher(out).find()
                || out.contains("status-test-stage  status-test-reason"), out);
        assertTrue(out.lines().count() < 60, "one screen: " + out.lines().count() + " lines");
    }
}
