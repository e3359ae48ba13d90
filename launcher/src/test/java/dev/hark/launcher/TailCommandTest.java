package dev.hark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hark.avro.AudioClip;
import dev.hark.avro.Prediction;
import dev.hark.testing.EmbeddedInfra;
import dev.hark.kafka.TopicAdmin;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;

/** {@code hark tail} against the in-process Kafka and registry: JSON lines, bytes summarised. */
class TailCommandTest {

    @Test
    void printsRecordsAsJsonLinesWithBytesSummarised() throws Exception {
        EmbeddedInfra infra = EmbeddedInfra.shared();
        TopicAdmin.ensureTopics(infra.bootstrapServers(), 3);
        SchemaRegistryClient registry = new SchemaRegistryClient(infra.registryUrl());
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
        Instant t = Instant.parse("2026-11-22T12:00:00Z");
        try (KafkaProducer<String, Prediction> p = new KafkaProducer<>(props, Topics.AUDIO_PREDICTIONS.keySerde().serializer(),
                Topics.AUDIO_PREDICTIONS.valueSerde(registry).serializer());
             KafkaProducer<String, AudioClip> c = new KafkaProducer<>(props, Topics.AUDIO_CLIPS.keySerde().serializer(),
                     Topics.AUDIO_CLIPS.valueSerde(registry).serializer())) {
            for (int i = 0; i < 3; i++) {
                p.send(new ProducerRecord<>(Topics.AUDIO_PREDICTIONS.name(), "clip-" + i, Prediction.newBuilder()
                        .setClipId("clip-" + i).setSource("test").setDigit(i).setConfidence(0.9f)
                        .setProbabilities(List.of(0.1f, 0.9f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f)).setModelVersion(4)
                        .setFeatureConfigId("lm-x").setCapturedAtMs(t).setClipCreatedAtMs(t).setFeaturesCreatedAtMs(t)
                        .setPredictedAtMs(t).setLabel(i == 0 ? 0 : null).build())).get();
            }
            c.send(new ProducerRecord<>(Topics.AUDIO_CLIPS.name(), "clip-x", AudioClip.newBuilder().setClipId("clip-x")
                    .setSource("test").setSampleRate(8000).setPcm(ByteBuffer.wrap(new byte[16000]))
                    .setCapturedAtMs(t).setClipCreatedAtMs(t).build())).get();
        }

        ClassifyCommandTest.Run r = ClassifyCommandTest.run("tail", Topics.AUDIO_PREDICTIONS.name(), "--from-beginning",
                "--limit", "3", "--idle-exit", "20s", "--bootstrap-servers", infra.bootstrapServers(),
                "--registry-url", infra.registryUrl());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r.out());
        ObjectMapper mapper = new ObjectMapper();
        for (String line : lines) {
            JsonNode node = mapper.readTree(line);
            assertEquals(Topics.AUDIO_PREDICTIONS.name(), node.path("topic").asText());
            assertTrue(node.path("key").asText().startsWith("clip-"));
            assertEquals(4, node.path("value").path("modelVersion").asInt());
            assertEquals("2026-11-22T12:00:00Z", node.path("value").path("predictedAtMs").asText());
            assertEquals(10, node.path("value").path("probabilities").size());
        }

        r = ClassifyCommandTest.run("tail", Topics.AUDIO_CLIPS.name(), "--from-beginning", "--limit", "1",
                "--idle-exit", "20s", "--bootstrap-servers", infra.bootstrapServers(), "--registry-url", infra.registryUrl());
        assertEquals(0, r.exit(), r.err());
        JsonNode clip = mapper.readTree(r.out().lines().findFirst().orElseThrow());
        assertEquals("<16000 bytes>", clip.path("value").path("pcm").asText());

        r = ClassifyCommandTest.run("tail", "no.such.topic");
        assertEquals(ExitCodes.FAILED, r.exit());
        assertTrue(r.err().contains("no Hark topic named"), r.err());
    }

    @Test
    void theConsoleConsumerFormatterPrintsTheSameLinesAsTail() throws Exception {
        EmbeddedInfra infra = EmbeddedInfra.shared();
        SchemaRegistryClient registry = new SchemaRegistryClient(infra.registryUrl());
        Instant t = Instant.parse("2026-11-22T12:00:00Z");
        AudioClip clip = AudioClip.newBuilder().setClipId("clip-f").setSource("test").setSampleRate(8000)
                .setPcm(ByteBuffer.wrap(new byte[800])).setLabel(7).setCapturedAtMs(t).setClipCreatedAtMs(t).build();
        byte[] value = Topics.AUDIO_CLIPS.valueSerde(registry).serializer().serialize(Topics.AUDIO_CLIPS.name(), clip);
        AvroJsonFormatter formatter = new AvroJsonFormatter();
        formatter.configure(java.util.Map.of("registry.url", infra.registryUrl()));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
        formatter.writeTo(new org.apache.kafka.clients.consumer.ConsumerRecord<>(Topics.AUDIO_CLIPS.name(), 2, 41L,
                "clip-f".getBytes(java.nio.charset.StandardCharsets.UTF_8), value), out);
        formatter.writeTo(new org.apache.kafka.clients.consumer.ConsumerRecord<>(Topics.AUDIO_CLIPS.name(), 2, 42L,
                null, new byte[] {1, 2, 3}), out);
        List<String> lines = bytes.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), lines.toString());
        ObjectMapper mapper = new ObjectMapper();
        JsonNode ok = mapper.readTree(lines.get(0));
        assertEquals(41, ok.path("offset").asInt());
        assertEquals("clip-f", ok.path("key").asText());
        assertEquals(7, ok.path("value").path("label").asInt());
        assertEquals("<800 bytes>", ok.path("value").path("pcm").asText());
        JsonNode bad = mapper.readTree(lines.get(1));
        assertTrue(bad.path("value").isMissingNode() && !bad.path("error").asText().isEmpty(), lines.get(1));
    }
}
