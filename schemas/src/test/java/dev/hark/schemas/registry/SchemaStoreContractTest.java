package dev.hark.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.schemas.SampleRecords;
import dev.hark.schemas.Topic;
import dev.hark.schemas.Topics;
import dev.hark.schemas.serde.AvroSerializer;
import dev.hark.schemas.serde.HarkSerdeException;
import dev.hark.schemas.serde.HarkSerdes;
import dev.hark.testing.EmbeddedInfra;

/**
 * {@link InMemorySchemaStore}, which the topology tests use instead of a registry process, keeps the
 * contract of the real registry (Apicurio, through {@link SchemaRegistryClient}): the same serializers
 * over either write the same Confluent wire format (magic byte 0, the store's id as 4 big-endian bytes,
 * then byte-identical Avro), read back what they wrote, and fail the same way on an unknown id or an
 * unregistered schema.
 */
class SchemaStoreContractTest {
    static SchemaRegistryClient registry;

    @BeforeAll
    static void startRegistry() {
        registry = new SchemaRegistryClient(EmbeddedInfra.sharedRegistry().confluentUrl());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Test
    void theWireFormatIsTheRegistrysButForTheId() {
        InMemorySchemaStore memory = new InMemorySchemaStore();
        HarkSerdes inMemory = new HarkSerdes(memory);
        HarkSerdes real = new HarkSerdes(registry);
        for (Topic<?> topic : Topics.ALL) {
            SpecificRecord sample = SampleRecords.forTopic(topic, "contract-" + topic.name());
            Serde memorySerde = inMemory.values(topic);
            Serde realSerde = real.values(topic);
            byte[] fromMemory = memorySerde.serializer().serialize(topic.name(), sample);
            byte[] fromRegistry = realSerde.serializer().serialize(topic.name(), sample);

            assertEquals(0, fromMemory[0], topic + ": magic byte");
            assertEquals(fromRegistry[0], fromMemory[0], topic + ": magic byte as the registry's");
            String subject = AvroSerializer.subject(topic.name(), false);
            assertEquals(memory.lookup(subject, sample.getSchema()).id(), ByteBuffer.wrap(fromMemory, 1, 4).getInt(),
                    topic + ": 4-byte big-endian id, the in-memory store's");
            assertEquals(registry.lookup(subject, sample.getSchema()).id(), ByteBuffer.wrap(fromRegistry, 1, 4).getInt(),
                    topic + ": 4-byte big-endian id, the registry's");
            assertArrayEquals(Arrays.copyOfRange(fromRegistry, 5, fromRegistry.length),
                    Arrays.copyOfRange(fromMemory, 5, fromMemory.length), topic + ": the same Avro after the id");

            assertEquals(sample, memorySerde.deserializer().deserialize(topic.name(), fromMemory), topic + ": round trip");
            assertEquals(sample, realSerde.deserializer().deserialize(topic.name(), fromRegistry), topic + ": round trip");
        }
    }

    @Test
    void idsFollowTheRegistrysRules() {
        for (SchemaStore store : new SchemaStore[] {new InMemorySchemaStore(), registry}) {
            String subject = "contract-" + UUID.randomUUID() + "-value";
            Schema v1 = SchemaBuilder.record("Contract" + Math.abs(subject.hashCode())).namespace("dev.hark.test")
                    .fields().requiredString("a").endRecord();
            Schema v2 = SchemaBuilder.record(v1.getName()).namespace("dev.hark.test")
                    .fields().requiredString("a").optionalString("b").endRecord();
            String what = store.getClass().getSimpleName();

            SchemaRegistryException notYet = assertThrows(SchemaRegistryException.class, () -> store.lookup(subject, v1));
            assertTrue(notYet.isNotFound(), what + ": an unregistered schema is not found");

            int id1 = store.register(subject, v1);
            assertEquals(id1, store.register(subject, v1), what + ": registering again gives the same id");
            int id2 = store.register(subject, v2);
            assertNotEquals(id1, id2, what + ": a new version gets a new id");
            assertEquals(v1, store.schemaById(id1), what);
            assertEquals(v2, store.schemaById(id2), what);
            SchemaStore.RegisteredSchema found = store.lookup(subject, v2);
            assertEquals(id2, found.id(), what);
            assertEquals(2, found.version(), what + ": versions count from 1 per subject");
            assertEquals(id1, store.register("contract-other-" + UUID.randomUUID() + "-value", v1),
                    what + ": the same schema has the same id under another subject");

            SchemaRegistryException unknown = assertThrows(SchemaRegistryException.class, () -> store.schemaById(2_000_000_000));
            assertTrue(unknown.isNotFound(), what + ": an unknown id is not found");
        }
    }

    @Test
    void bothReadersRefuseAnUnknownIdAsTheRecordsFault() {
        byte[] unknownId = new byte[12];
        ByteBuffer.wrap(unknownId, 1, 4).putInt(2_000_000_000);
        for (SchemaStore store : new SchemaStore[] {new InMemorySchemaStore(), registry}) {
            HarkSerdeException e = assertThrows(HarkSerdeException.class, () -> new HarkSerdes(store)
                    .values(Topics.AUDIO_CLIPS).deserializer().deserialize(Topics.AUDIO_CLIPS.name(), unknownId));
            assertEquals(HarkSerdeException.Reason.UNKNOWN_SCHEMA_ID, e.reason(), store.getClass().getSimpleName());
        }
    }

    @Test
    void aSerializerThatMayNotRegisterFailsAlikeOnAnUnregisteredSchema() {
        String topic = "contract-" + UUID.randomUUID();
        DeadLetter letter = (DeadLetter) SampleRecords.forTopic(Topics.AUDIO_DLQ, "x");
        for (SchemaStore store : new SchemaStore[] {new InMemorySchemaStore(), registry}) {
            HarkSerdeException e = assertThrows(HarkSerdeException.class,
                    () -> new AvroSerializer<DeadLetter>(store, false, false).serialize(topic, letter));
            assertEquals(HarkSerdeException.Reason.REGISTRY_ERROR, e.reason(), store.getClass().getSimpleName());
            assertTrue(((SchemaRegistryException) e.getCause()).isNotFound(), store.getClass().getSimpleName());
        }
        AudioClip clip = (AudioClip) SampleRecords.forTopic(Topics.AUDIO_CLIPS, "y");
        InMemorySchemaStore memory = new InMemorySchemaStore();
        memory.register(AvroSerializer.subject(topic, false), clip.getSchema());
        byte[] bytes = new AvroSerializer<AudioClip>(memory, false, false).serialize(topic, clip);
        assertEquals(memory.lookup(AvroSerializer.subject(topic, false), clip.getSchema()).id(),
                ByteBuffer.wrap(bytes, 1, 4).getInt(), "once registered, the id is looked up");
    }
}
