package dev.hark.features.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

import dev.hark.avro.AudioChunk;
import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.avro.LogMelFeatures;
import dev.hark.audio.segment.Signals;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroSerializer;
import dev.hark.schemas.serde.HarkSerdes;
import dev.hark.testing.EmbeddedInfra;

/**
 * The feature stream's topology with the serdes a service gives it, on a real registry (the embedded
 * Apicurio process): a word spoken in chunks comes out as a clip and its features, a chunk that is not
 * Avro as a dead letter, every record written under the id the registry holds for its topic's subject.
 * The behaviour itself is {@link FeatureStreamTopologyTest}'s, without a registry process.
 */
class FeatureStreamTopologyOverRegistryTest {

    @Test
    void aWordBecomesAClipAndFeaturesUnderTheRegistrysIds() {
        SchemaRegistryClient registry = new SchemaRegistryClient(EmbeddedInfra.sharedRegistry().confluentUrl());
        HarkSerdes serdes = new HarkSerdes(registry);
        Instant t0 = Instant.parse("2026-11-22T12:00:00Z");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "feature-stream-registry-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(
                FeatureStreamTopology.build(FeatureStreamTopology.Settings.defaults(), serdes), props, t0)) {
            TestInputTopic<String, AudioChunk> chunks = driver.createInputTopic(Topics.AUDIO_CHUNKS.name(),
                    Serdes.String().serializer(), serdes.values(Topics.AUDIO_CHUNKS).serializer());
            TestInputTopic<String, byte[]> rawChunks = driver.createInputTopic(Topics.AUDIO_CHUNKS.name(),
                    Serdes.String().serializer(), Serdes.ByteArray().serializer());
            TestOutputTopic<String, byte[]> clips = driver.createOutputTopic(Topics.AUDIO_CLIPS.name(),
                    Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
            TestOutputTopic<String, byte[]> features = driver.createOutputTopic(Topics.AUDIO_FEATURES.name(),
                    Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
            TestOutputTopic<String, byte[]> dlq = driver.createOutputTopic(Topics.AUDIO_DLQ.name(),
                    Serdes.String().deserializer(), Serdes.ByteArray().deserializer());

            Signals audio = new Signals().noise(500).word(400).noise(600);
            for (AudioChunk c : FeatureStreamTopologyTest.chunk("registry-device", "s1", audio.pcm(), 40, t0)) {
                chunks.pipeInput(c.getDeviceId(), c, c.getSentAtMs());
            }
            rawChunks.pipeInput("registry-device", "not avro".getBytes(), t0);
            driver.advanceWallClockTime(Duration.ofSeconds(2));

            List<KeyValue<String, byte[]>> clipRecords = clips.readKeyValuesToList();
            assertEquals(1, clipRecords.size(), "one word, one clip");
            AudioClip clip = serdes.values(Topics.AUDIO_CLIPS).deserializer()
                    .deserialize(Topics.AUDIO_CLIPS.name(), clipRecords.get(0).value);
            assertEquals("registry-device", clip.getDeviceId());
            assertWrittenUnderTheRegisteredId(registry, Topics.AUDIO_CLIPS.name(), clip.getSchema(), clipRecords.get(0).value);

            List<KeyValue<String, byte[]>> featureRecords = features.readKeyValuesToList();
            assertEquals(1, featureRecords.size(), "the clip's features");
            LogMelFeatures f = serdes.values(Topics.AUDIO_FEATURES).deserializer()
                    .deserialize(Topics.AUDIO_FEATURES.name(), featureRecords.get(0).value);
            assertEquals(clip.getClipId(), f.getClipId());
            assertWrittenUnderTheRegisteredId(registry, Topics.AUDIO_FEATURES.name(), f.getSchema(), featureRecords.get(0).value);

            List<KeyValue<String, byte[]>> letters = dlq.readKeyValuesToList();
            assertEquals(1, letters.size(), "the chunk that is not Avro");
            DeadLetter letter = serdes.values(Topics.AUDIO_DLQ).deserializer()
                    .deserialize(Topics.AUDIO_DLQ.name(), letters.get(0).value);
            assertEquals("not-wire-format", letter.getReason());
            assertWrittenUnderTheRegisteredId(registry, Topics.AUDIO_DLQ.name(), letter.getSchema(), letters.get(0).value);
        }
    }

    static void assertWrittenUnderTheRegisteredId(SchemaRegistryClient registry, String topic,
                                                  org.apache.avro.Schema schema, byte[] value) {
        assertEquals(0, value[0], topic + ": magic byte");
        int id = ByteBuffer.wrap(value, 1, 4).getInt();
        assertEquals(registry.lookup(AvroSerializer.subject(topic, false), schema).id(), id,
                topic + ": the id the registry holds under " + AvroSerializer.subject(topic, false));
        assertTrue(value.length > 5);
    }
}
