package dev.hark.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

import dev.hark.schemas.registry.SchemaStore;
import dev.hark.schemas.registry.SchemaRegistryException;
import dev.hark.schemas.registry.SchemaRegistryUnavailableException;

/**
 * Writes Avro records in Confluent's wire format: magic byte 0, the schema's registry id as a
 * 4-byte big-endian int, then Avro binary. The subject is {@code <topic>-value} (or {@code -key}),
 * Confluent's TopicNameStrategy, so other tools find the schemas where they expect them.
 * Thread-safe: Kafka Streams shares one instance between stream threads.
 */
public final class AvroSerializer<T extends GenericContainer> implements Serializer<T> {

    static final byte MAGIC = 0;

    private final SchemaStore registry;
    private final boolean autoRegister;
    private boolean isKey;
    private final Map<Schema, DatumWriter<Object>> writers = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();

    public AvroSerializer(SchemaStore registry) {
        this(registry, true, false);
    }

    /**
     * @param autoRegister register unseen schemas; when false the schema must already be registered
     * @param isKey        use the {@code <topic>-key} subject
     */
    public AvroSerializer(SchemaStore registry, boolean autoRegister, boolean isKey) {
        this.registry = registry;
        this.autoRegister = autoRegister;
        this.isKey = isKey;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
    }

    public static String subject(String topic, boolean isKey) {
        return topic + (isKey ? "-key" : "-value");
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        Schema schema = record.getSchema();
        int id = schemaId(topic, schema);
        ByteArrayOutputStream out = BUFFER.get();
        out.reset();
        out.write(MAGIC);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer(record, schema).write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new HarkSerdeException(HarkSerdeException.Reason.UNENCODABLE, topic,
                    "topic " + topic + ": cannot encode a " + schema.getFullName() + " as Avro: " + e.getMessage(), e);
        }
        byte[] bytes = out.toByteArray();
        if (out.size() > MAX_KEPT_BUFFER) {
            BUFFER.remove(); // an unusually large record: do not keep its buffer
        }
        return bytes;
    }

    /**
     * One growing buffer per thread (a stream thread, a producer's caller): a clip of audio is several
     * kilobytes, and a fresh small buffer grew by copying five times for each (a tenth of the feature
     * stream's allocation at 1,000 devices).
     */
    private static final ThreadLocal<ByteArrayOutputStream> BUFFER = ThreadLocal.withInitial(() -> new ByteArrayOutputStream(16 * 1024));
    private static final int MAX_KEPT_BUFFER = 1 << 20;

    /**
     * Registers (or finds) {@code schema} for {@code topic} now, so records of it are written later without
     * asking the registry: what a stage must be able to write through a registry outage, its dead letters
     * first of all, is registered when it starts.
     */
    public int preregister(String topic, Schema schema) {
        return schemaId(topic, schema);
    }

    private int schemaId(String topic, Schema schema) {
        String subject = subject(topic, isKey);
        Map<Schema, Integer> ids = idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer id = ids.get(schema);
        if (id != null) {
            return id;
        }
        try {
            id = autoRegister ? registry.register(subject, schema) : registry.lookup(subject, schema).id();
        } catch (SchemaRegistryUnavailableException e) {
            throw new HarkSerdeException(HarkSerdeException.Reason.REGISTRY_UNAVAILABLE, topic,
                    "topic " + topic + ": cannot get an id for schema " + schema.getFullName() + ": " + e.getMessage(), e);
        } catch (SchemaRegistryException e) {
            throw new HarkSerdeException(HarkSerdeException.Reason.REGISTRY_ERROR, topic,
                    "topic " + topic + ": cannot get an id for schema " + schema.getFullName() + ": " + e.getMessage(), e);
        }
        ids.put(schema, id);
        return id;
    }

    @SuppressWarnings("unchecked")
    private DatumWriter<Object> writer(T record, Schema schema) {
        return writers.computeIfAbsent(schema, s -> record instanceof SpecificRecord
                ? (DatumWriter<Object>) (DatumWriter<?>) new SpecificDatumWriter<>(s, SpecificData.getForClass(record.getClass()))
                : new GenericDatumWriter<>(s, GenericModel.INSTANCE));
    }
}
