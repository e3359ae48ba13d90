package dev.hark.producer.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import dev.hark.avro.AudioChunk;
import dev.hark.testing.EmbeddedInfra;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.TopicAdmin;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;

/**
 * The device side of "never block capture silently": with no Kafka and no registry, offering chunks
 * returns at once, the queue stays bounded and the oldest chunks are the ones dropped, counted; with
 * a real broker every chunk arrives, in order.
 */
class ChunkSenderTest {

    static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void withNoBrokerOfferingNeverBlocksAndTheOldestAreDroppedAndCounted() throws Exception {
        int port = closedPort();
        ClusterConfig nowhere = new ClusterConfig("localhost:" + port, "http://localhost:" + port);
        ChunkSender.Settings settings = new ChunkSender.Settings(50, 10, Duration.ofSeconds(5));
        DeviceStream device = new DeviceStream("dev-offline", 8000);
        try (ChunkSender sender = new ChunkSender(nowhere, new SchemaRegistryClient(nowhere.registryUrl()), settings)) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 300; i++) {
                sender.offer(device.next(new short[800], 0, 800, System.currentTimeMillis()));
            }
            double offerMs = (System.nanoTime() - t0) / 1e6;
            // capture hands over 300 chunks (30 s of audio) in far less than their duration: nothing waited on Kafka
            assertTrue(offerMs < 3_000, "offering 300 chunks took " + offerMs + " ms");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            ChunkSender.Stats s = sender.stats();
            while (s.lastError() == null && System.nanoTime() < deadline) {
                Thread.sleep(50);
                s = sender.stats();
            }
            assertNotNull(s.lastError(), "the reason Kafka does not take chunks is reported");
            assertEquals(300, s.offered());
            assertEquals(0, s.acknowledged());
            assertTrue(s.queued() <= 50, "bounded: " + s);
            assertTrue(s.dropped() >= 249, "the rest were dropped and counted: " + s);
            // the newest audio is what is kept
            long oldestKept = sender.oldestQueued().orElseThrow().getSequence();
            assertTrue(oldestKept >= 249, "oldest chunk kept is #" + oldestKept);
            assertTrue(!sender.healthy());
            sender.close(Duration.ofMillis(200));
        }
    }

    @Test
    void withABrokerEveryChunkArrivesInOrder() throws Exception {
        EmbeddedInfra infra = EmbeddedInfra.shared();
        ClusterConfig cluster = new ClusterConfig(infra.bootstrapServers(), infra.registryUrl());
        TopicAdmin.ensureTopics(cluster.bootstrapServers(), 3);
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        DeviceStream device = new DeviceStream("dev-online-" + System.nanoTime(), 16000);
        try (ChunkSender sender = new ChunkSender(cluster, registry, ChunkSender.Settings.forChunks(100, Duration.ofSeconds(30)))) {
            for (int i = 0; i < 120; i++) {
                short[] pcm = new short[1600];
                pcm[0] = (short) i;
                sender.offer(device.next(pcm, 0, pcm.length, 1_000_000L + i * 100L));
            }
            assertTrue(sender.drain(Duration.ofSeconds(60)), "drained: " + sender.stats());
            assertEquals(120, sender.stats().acknowledged());
            assertEquals(0, sender.stats().dropped() + sender.stats().lost());
        }
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        List<AudioChunk> got = new ArrayList<>();
        try (KafkaConsumer<String, AudioChunk> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                AvroDeserializer.specific(registry, AudioChunk.class))) {
            List<TopicPartition> parts = consumer.partitionsFor(Topics.AUDIO_CHUNKS.name()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (got.size() < 120 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, AudioChunk> r : consumer.poll(Duration.ofMillis(200))) {
                    if (device.deviceId().equals(r.key())) {
                        got.add(r.value());
                    }
                }
            }
        }
        assertEquals(120, got.size());
        for (int i = 0; i < got.size(); i++) {
            AudioChunk c = got.get(i);
            assertEquals(i, c.getSequence());
            assertEquals(i * 1600L, c.getStartSample());
            assertEquals(device.sessionId(), c.getSessionId());
            assertEquals(16000, c.getSampleRate());
            assertEquals(3200, c.getPcm().remaining());
            assertEquals(1_000_000L + i * 100L, c.getCapturedAtMs().toEpochMilli());
        }
    }
}
