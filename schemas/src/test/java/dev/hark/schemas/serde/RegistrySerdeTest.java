package dev.hark.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hark.avro.AudioClip;
import dev.hark.infra.ApicurioRegistry;
import dev.hark.infra.Ports;
import dev.hark.testing.EmbeddedInfra;
import dev.hark.schemas.SampleRecords;
import dev.hark.schemas.Topic;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.registry.SchemaRegistryException;
import dev.hark.schemas.registry.SchemaRegistryUnavailableException;

/** The registry client and the wire-format serde against a real Apicurio Registry process. */
class RegistrySerdeTest {

    static SchemaRegistryClient registry;
    static RegistryCompatibility compatibility;

    @BeforeAll
    static void startRegistry() {
        registry = new SchemaRegistryClient(EmbeddedInfra.sharedRegistry().confluentUrl());
        compatibility = new RegistryCompatibility(EmbeddedInfra.sharedRegistry().confluentUrl());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Test
    void everyRecordTypeRoundTripsInConfluentWireFormat() {
        for (Topic<?> topic : Topics.ALL) {
            SpecificRecord sample = SampleRecords.forTopic(topic, "rt-" + topic.name());
            Serde serde = topic.valueSerde(registry);
            byte[] bytes = serde.serializer().serialize(topic.name(), sample);

            assertEquals(0, bytes[0], topic + ": magic byte");
            int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
            SchemaRegistryClient.RegisteredSchema latest = registry.latest(topic.name() + "-value");
            assertEquals(latest.id(), id, topic + ": wire id is the registered id");
            assertEquals(sample.getSchema(), latest.schema(), topic + ": registered schema");

            Object back = serde.deserializer().deserialize(topic.name(), bytes);
            assertEquals(sample, back, topic + ": round trip");
        }
    }

    @Test
    void registryApiRegistersLooksUpAndFetches() {
        String subject = "api-" + UUID.randomUUID() + "-value";
        Schema schema = AudioClip.getClassSchema();
        int id = registry.register(subject, schema);
        assertEquals(id, registry.register(subject, schema), "registering again gives the same id");
        assertEquals(schema, registry.schemaById(id));
        assertEquals(id, registry.lookup(subject, schema).id());
        assertEquals(id, registry.latest(subject).id());
        assertTrue(registry.subjects().contains(subject));

        SchemaRegistryException notFound = assertThrows(SchemaRegistryException.class,
                () -> registry.lookup("no-such-" + UUID.randomUUID(), schema));
        assertTrue(notFound.isNotFound(), notFound.getMessage());
    }

    // ---- evolution: v2 adds an optional field ----

    static final Schema CLIP_V2 = withOptionalRoomField(AudioClip.getClassSchema());

    static Schema withOptionalRoomField(Schema v1) {
        java.util.List<Schema.Field> fields = new java.util.ArrayList<>();
        for (Schema.Field f : v1.getFields()) {
            fields.add(new Schema.Field(f, f.schema())); // a field belongs to one schema: copy it
        }
        Schema optionalString = Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING));
        fields.add(new Schema.Field("room", optionalString, "where the device is", Schema.Field.NULL_DEFAULT_VALUE));
        return Schema.createRecord(v1.getName(), v1.getDoc(), v1.getNamespace(), false, fields);
    }

    @Test
    void schemaEvolutionWorksBothWays() {
        String topic = "evolution-" + UUID.randomUUID();
        String subject = AvroSerializer.subject(topic, false);
        compatibility.set(subject, "BACKWARD");

        AvroSerializer<AudioClip> v1Writer = new AvroSerializer<>(registry);
        AvroDeserializer<AudioClip> v1Reader = AvroDeserializer.specific(registry, AudioClip.class);
        AvroSerializer<GenericRecord> v2Writer = new AvroSerializer<>(registry);
        AvroDeserializer<GenericRecord> v2Reader = AvroDeserializer.generic(registry, CLIP_V2);

        AudioClip old = SampleRecords.clip("evo-1");
        byte[] oldBytes = v1Writer.serialize(topic, old);

        assertTrue(compatibility.isCompatible(subject, CLIP_V2), "adding an optional field is backward compatible");
        GenericRecord newer = new GenericData.Record(CLIP_V2);
        for (Schema.Field f : AudioClip.getClassSchema().getFields()) {
            newer.put(f.name(), GenericData.get().deepCopy(f.schema(), old.get(f.pos())));
        }
        newer.put("clipId", "evo-2");
        newer.put("room", "kitchen");
        byte[] newBytes = v2Writer.serialize(topic, newer);
        assertNotEquals(ByteBuffer.wrap(oldBytes, 1, 4).getInt(), ByteBuffer.wrap(newBytes, 1, 4).getInt(),
                "v2 has its own schema id");

        // an old reader reads new data: the extra field is ignored
        AudioClip newAsOld = v1Reader.deserialize(topic, newBytes);
        assertEquals("evo-2", newAsOld.getClipId());
        assertEquals(old.getPcm(), newAsOld.getPcm());
        assertEquals(old.getLabel(), newAsOld.getLabel());

        // a new reader reads old data: the new field takes its default
        GenericRecord oldAsNew = v2Reader.deserialize(topic, oldBytes);
        assertEquals("evo-1", oldAsNew.get("clipId").toString());
        assertNull(oldAsNew.get("room"));
        assertEquals(7, oldAsNew.get("label"));
        GenericRecord newAsNew = v2Reader.deserialize(topic, newBytes);
        assertEquals("kitchen", newAsNew.get("room").toString());

        // a new required field without default breaks old data: the registry says so
        Schema breaking = SchemaBuilder.record("AudioClip").namespace("dev.hark.avro").fields()
                .requiredString("clipId").requiredInt("mandatory").endRecord();
        assertFalse(compatibility.isCompatible(subject, breaking), "a required field without default is incompatible");
        SchemaRegistryException refused = assertThrows(SchemaRegistryException.class,
                () -> registry.register(subject, breaking));
        assertEquals(409, refused.httpStatus(), refused.getMessage());
    }

    // ---- bad input fails loudly, naming where ----

    @Test
    void unknownSchemaIdIsAClearError() {
        byte[] bytes = new byte[] {0, 0x7f, (byte) 0xff, (byte) 0xff, 0x70, 2, 3};
        HarkSerdeException e = assertThrows(HarkSerdeException.class,
                () -> AvroDeserializer.specific(registry, AudioClip.class).deserialize("audio.clips", bytes));
        assertEquals(HarkSerdeException.Reason.UNKNOWN_SCHEMA_ID, e.reason());
        assertTrue(e.getMessage().contains("audio.clips"), e.getMessage());
        assertTrue(e.getMessage().contains("schema id " + 0x7fffff70), e.getMessage());
        assertTrue(e.getMessage().contains("unknown"), e.getMessage());
    }

    @Test
    void nonAvroPayloadIsAClearError() {
        byte[] json = "{\"clipId\":\"x\",\"pcm\":\"...\"}".getBytes(StandardCharsets.UTF_8);
        HarkSerdeException e = assertThrows(HarkSerdeException.class,
                () -> AvroDeserializer.specific(registry, AudioClip.class).deserialize("audio.clips", json));
        assertEquals(HarkSerdeException.Reason.NOT_WIRE_FORMAT, e.reason());
        assertTrue(e.getMessage().contains("audio.clips"), e.getMessage());
        assertTrue(e.getMessage().contains("expected magic byte 0x00"), e.getMessage());
        assertTrue(e.getMessage().contains("{\"clipId\""), "shows the start of a text payload: " + e.getMessage());

        HarkSerdeException tooShort = assertThrows(HarkSerdeException.class,
                () -> AvroDeserializer.specific(registry, AudioClip.class).deserialize("audio.clips", new byte[] {0, 1}));
        assertEquals(HarkSerdeException.Reason.NOT_WIRE_FORMAT, tooShort.reason());
    }

    @Test
    void corruptAvroAfterAValidHeaderIsAClearError() {
        AvroSerializer<AudioClip> serializer = new AvroSerializer<>(registry);
        byte[] good = serializer.serialize("corrupt-test", SampleRecords.clip("c-1"));
        byte[] truncated = java.util.Arrays.copyOf(good, good.length / 2);
        HarkSerdeException e = assertThrows(HarkSerdeException.class,
                () -> AvroDeserializer.specific(registry, AudioClip.class).deserialize("corrupt-test", truncated));
        assertEquals(HarkSerdeException.Reason.UNDECODABLE, e.reason());
        assertTrue(e.getMessage().contains("corrupt-test"), e.getMessage());

        byte[] trailing = java.util.Arrays.copyOf(good, good.length + 3);
        HarkSerdeException extra = assertThrows(HarkSerdeException.class,
                () -> AvroDeserializer.specific(registry, AudioClip.class).deserialize("corrupt-test", trailing));
        assertEquals(HarkSerdeException.Reason.UNDECODABLE, extra.reason());
    }

    // ---- the registry down ----

    @Test
    void registryDownAtStartIsAClearError() {
        int port = Ports.freePort();
        SchemaRegistryClient down = new SchemaRegistryClient("http://localhost:" + port + "/apis/ccompat/v7");
        SchemaRegistryUnavailableException e = assertThrows(SchemaRegistryUnavailableException.class,
                down::checkReachable);
        assertTrue(e.getMessage().contains("localhost:" + port), e.getMessage());
        assertTrue(e.getMessage().contains("unreachable"), e.getMessage());

        HarkSerdeException serde = assertThrows(HarkSerdeException.class,
                () -> new AvroSerializer<AudioClip>(down).serialize("audio.clips", SampleRecords.clip("x")));
        assertEquals(HarkSerdeException.Reason.REGISTRY_UNAVAILABLE, serde.reason());
        assertTrue(serde.getMessage().contains("unreachable"), serde.getMessage());
    }

    @Test
    void cachedSchemasKeepWorkingWhenTheRegistryGoesDown() {
        ApicurioRegistry own = ApicurioRegistry.start(ApicurioRegistry.Options.inMemory(Ports.freePort()));
        SchemaRegistryClient client;
        AvroSerializer<AudioClip> serializer;
        AvroDeserializer<AudioClip> deserializer;
        byte[] before;
        try {
            client = new SchemaRegistryClient(own.confluentUrl());
            serializer = new AvroSerializer<>(client);
            deserializer = AvroDeserializer.specific(client, AudioClip.class);
            before = serializer.serialize("audio.clips", SampleRecords.clip("before"));
            assertEquals("before", deserializer.deserialize("audio.clips", before).getClipId());
        } finally {
            own.close();
        }
        assertFalse(own.isRunning());

        // known schema: no HTTP needed either way
        byte[] during = serializer.serialize("audio.clips", SampleRecords.clip("during"));
        assertEquals("during", deserializer.deserialize("audio.clips", during).getClipId());
        assertEquals("before", AvroDeserializer.specific(client, AudioClip.class)
                .deserialize("audio.clips", before).getClipId(), "a new deserializer on the same client uses its cache");

        // an unseen subject needs the registry: a clear error, not a hang or a skip
        HarkSerdeException e = assertThrows(HarkSerdeException.class,
                () -> serializer.serialize("another-topic", SampleRecords.clip("x")));
        assertEquals(HarkSerdeException.Reason.REGISTRY_UNAVAILABLE, e.reason());
    }
}
