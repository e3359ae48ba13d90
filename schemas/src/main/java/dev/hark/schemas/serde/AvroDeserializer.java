package dev.hark.schemas.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.serialization.Deserializer;

import dev.hark.schemas.registry.SchemaStore;
import dev.hark.schemas.registry.SchemaRegistryException;
import dev.hark.schemas.registry.SchemaRegistryUnavailableException;

/**
 * Reads Confluent wire-format Avro. The writer schema comes from the registry by id (cached, so a
 * known id never needs HTTP again) and is resolved against this reader's schema: data written with
 * an older or newer compatible schema reads as the reader's type. Anything else fails loudly with
 * a {@link HarkSerdeException} naming the topic and the problem; nothing is skipped.
 */
public final class AvroDeserializer<T> implements Deserializer<T> {

    private final SchemaStore registry;
    private final Schema readerSchema; // null: read as the writer's schema
    private final GenericData model;
    private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();

    private AvroDeserializer(SchemaStore registry, Schema readerSchema, GenericData model) {
        this.registry = registry;
        this.readerSchema = readerSchema;
        this.model = model;
    }

    /** Reads generated (specific) records of {@code type}. */
    public static <T extends org.apache.avro.specific.SpecificRecord> AvroDeserializer<T> specific(
            SchemaStore registry, Class<T> type) {
        TrustedAvroClasses.install();
        SpecificData model = SpecificData.getForClass(type);
        return new AvroDeserializer<>(registry, model.getSchema(type), model);
    }

    /** Reads generic records, as {@code readerSchema} or, when null, as each record's writer schema. */
    public static AvroDeserializer<org.apache.avro.generic.GenericRecord> generic(
            SchemaStore registry, Schema readerSchema) {
        return new AvroDeserializer<>(registry, readerSchema, GenericModel.INSTANCE);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < 5 || data[0] != AvroSerializer.MAGIC) {
            throw new HarkSerdeException(HarkSerdeException.Reason.NOT_WIRE_FORMAT, topic,
                    "topic " + topic + ": record is not Confluent wire-format Avro (" + describe(data) + ")", null);
        }
        int id = ByteBuffer.wrap(data, 1, 4).getInt();
        DatumReader<T> reader = reader(topic, id);
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, 5, data.length - 5, null);
            T value = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new IOException("bytes left over after the record: the payload does not match schema id " + id);
            }
            return value;
        } catch (IOException | RuntimeException e) {
            throw new HarkSerdeException(HarkSerdeException.Reason.UNDECODABLE, topic,
                    "topic " + topic + ": payload of " + data.length + " bytes does not decode with schema id " + id
                            + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        }
    }

    private DatumReader<T> reader(String topic, int id) {
        DatumReader<T> reader = readers.get(id);
        if (reader != null) {
            return reader;
        }
        Schema writer;
        try {
            writer = registry.schemaById(id);
        } catch (SchemaRegistryUnavailableException e) {
            throw new HarkSerdeException(HarkSerdeException.Reason.REGISTRY_UNAVAILABLE, topic,
                    "topic " + topic + ": cannot fetch schema id " + id + ": " + e.getMessage(), e);
        } catch (SchemaRegistryException e) {
            HarkSerdeException.Reason reason = e.isNotFound()
                    ? HarkSerdeException.Reason.UNKNOWN_SCHEMA_ID : HarkSerdeException.Reason.REGISTRY_ERROR;
            throw new HarkSerdeException(reason, topic, "topic " + topic + ": schema id " + id
                    + (e.isNotFound() ? " is unknown to the registry" : " could not be fetched") + " (" + e.getMessage() + ")", e);
        }
        Schema target = readerSchema == null ? writer : readerSchema;
        reader = model instanceof SpecificData specific
                ? new SpecificDatumReader<>(writer, target, specific)
                : new GenericDatumReader<>(writer, target, model);
        DatumReader<T> raced = readers.putIfAbsent(id, reader);
        return raced != null ? raced : reader;
    }

    /** A short, safe description of a payload that is not ours. */
    static String describe(byte[] data) {
        if (data.length == 0) {
            return "empty payload";
        }
        StringBuilder text = new StringBuilder();
        text.append(data.length).append(" bytes, first byte 0x").append(String.format("%02x", data[0] & 0xff));
        if (data[0] != AvroSerializer.MAGIC) {
            text.append(", expected magic byte 0x00");
        } else {
            text.append(", too short for magic byte + 4-byte schema id");
        }
        String preview = new String(data, 0, Math.min(data.length, 40), StandardCharsets.UTF_8);
        if (preview.chars().allMatch(c -> c >= 32 && c < 127)) {
            text.append("; starts with text \"").append(preview).append(data.length > 40 ? "…" : "").append('"');
        }
        return text.toString();
    }
}
