package dev.hark.schemas.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.hark.avro.AudioClip;
import dev.hark.testing.HarkInfra;
import dev.hark.schemas.SampleRecords;
import dev.hark.schemas.Topic;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.HarkSerdeException;
import dev.hark.schemas.serde.RecordDecoder;

/**
 * Every record type through a real broker and a real registry. The same body runs on the embedded
 * cluster ({@link RecordTypesOverKafkaEmbeddedTest}) and on containers
 * ({@link RecordTypesOverKafkaContainersTest}).
 */
abstract class RecordTypesOverKafkaContract {

    protected abstract HarkInfra infra();

    SchemaRegistryClient registry;

    @BeforeEach
    void createTopics() throws Exception {
        registry = new SchemaRegistryClient(infra().registryUrl());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra().bootstrapServers()))) {
            for (Topics.TopicSpec spec : Topics.specs(2)) {
                try {
                    admin.createTopics(List.of(new NewTopic(spec.name(), spec.partitions(), (short) 1).configs(spec.configs())))
                            .all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
    }

    Properties clientProps() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra().bootstrapServers());
        return props;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Test
    void everyRecordTypeIsProducedAndConsumedThroughTheRegistry() {
        String run = UUID.randomUUID().toString();
        for (Topic<?> topic : Topics.ALL) {
            Serde valueSerde = topic.valueSerde(registry);
            List<SpecificRecord> sent = new ArrayList<>();
            Properties producerProps = clientProps();
            producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
            producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            producerProps.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(Topics.MAX_MODEL_MESSAGE_BYTES));
            try (KafkaProducer<String, Object> producer = new KafkaProducer<>(producerProps,
                    topic.keySerde().serializer(), valueSerde.serializer())) {
                for (int i = 0; i < 3; i++) {
                    String key = run + "-" + i;
                    SpecificRecord value = SampleRecords.forTopic(topic, key);
                    sent.add(value);
                    producer.send(new ProducerRecord<>(topic.name(), key, value));
                }
                producer.flush();
            }
            Map<String, Object> received = consumeAll(topic.name(), topic.keySerde().deserializer(),
                    valueSerde.deserializer(), key -> key.startsWith(run), 3);
            for (int i = 0; i < 3; i++) {
                assertEquals(sent.get(i), received.get(run + "-" + i), topic + " record " + i);
            }
        }
    }

    @Test
    void aNonAvroRecordStopsTheConsumerWithTopicPartitionAndOffset() {
        String topic = "bad-input-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Serde<AudioClip> serde = Topics.AUDIO_CLIPS.valueSerde(registry);
        long badOffset;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(clientProps(), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, serde.serializer().serialize(topic, SampleRecords.clip("good-0"))));
            badOffset = producer.send(new ProducerRecord<>(topic, "hello, not avro".getBytes())).get().offset();
            producer.send(new ProducerRecord<>(topic, serde.serializer().serialize(topic, SampleRecords.clip("good-2"))));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }

        Properties props = consumerProps();
        try (KafkaConsumer<String, AudioClip> consumer = new KafkaConsumer<>(props, Topics.AUDIO_CLIPS.keySerde().deserializer(),
                serde.deserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<String> seen = new ArrayList<>();
            RecordDeserializationException error = null;
            long deadline = System.currentTimeMillis() + 30_000;
            while (error == null && System.currentTimeMillis() < deadline) {
                try {
                    consumer.poll(Duration.ofMillis(500)).forEach(r -> seen.add(r.value().getClipId()));
                } catch (RecordDeserializationException e) {
                    error = e;
                }
            }
            assertEquals(List.of("good-0"), seen, "records before the bad one are delivered");
            assertTrue(error != null, "the bad record must raise an error, not be skipped");
            assertEquals(tp, error.topicPartition());
            assertEquals(badOffset, error.offset());
            assertTrue(error.getMessage().contains(topic + "-0") && error.getMessage().contains("offset " + badOffset),
                    error.getMessage());
            HarkSerdeException cause = assertInstanceOf(HarkSerdeException.class, error.getCause());
            assertEquals(HarkSerdeException.Reason.NOT_WIRE_FORMAT, cause.reason());
            assertTrue(cause.getMessage().contains("hello, not avro"), cause.getMessage());

            // polling again does not silently move past it
            assertThrows(RecordDeserializationException.class, () -> consumer.poll(Duration.ofSeconds(2)));
        }

        // tools that read bytes get the same facts from RecordDecoder
        Properties rawProps = consumerProps();
        try (KafkaConsumer<byte[], byte[]> raw = new KafkaConsumer<>(rawProps,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            raw.assign(List.of(tp));
            raw.seek(tp, badOffset);
            RecordDecoder<AudioClip> decoder = new RecordDecoder<>(serde.deserializer());
            ConsumerRecord<byte[], byte[]> bad = null;
            long deadline = System.currentTimeMillis() + 30_000;
            while (bad == null && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : raw.poll(Duration.ofMillis(500))) {
                    bad = bad == null ? r : bad;
                }
            }
            ConsumerRecord<byte[], byte[]> record = bad;
            RecordDecoder.RecordDecodeException e = assertThrows(RecordDecoder.RecordDecodeException.class,
                    () -> decoder.decode(record));
            assertEquals(badOffset, e.offset());
            assertTrue(e.getMessage().contains(topic + "-0 offset " + badOffset), e.getMessage());
        }
    }

    Properties consumerProps() {
        Properties props = clientProps();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(Topics.MAX_MODEL_MESSAGE_BYTES));
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(Topics.MAX_MODEL_MESSAGE_BYTES));
        return props;
    }

    <K, V> Map<K, V> consumeAll(String topic, org.apache.kafka.common.serialization.Deserializer<K> keys,
                                org.apache.kafka.common.serialization.Deserializer<V> values,
                                java.util.function.Predicate<K> wanted, int expected) {
        Map<K, V> received = new java.util.HashMap<>();
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(consumerProps(), keys, values)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 60_000;
            while (received.size() < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<K, V> r : consumer.poll(Duration.ofMillis(500))) {
                    if (wanted.test(r.key())) {
                        received.put(r.key(), r.value());
                    }
                }
            }
        }
        Set<K> keysSeen = received.keySet().stream().collect(Collectors.toSet());
        assertEquals(expected, keysSeen.size(), topic + ": records received " + keysSeen);
        return received;
    }
}
