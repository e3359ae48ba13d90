package dev.hark.launcher;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Avro values as readable JSON for {@code hark tail}: records as objects, unions as their value,
 * timestamps as ISO-8601, and {@code bytes} as a short summary ({@code "<16160 bytes>"}) rather than
 * megabytes of audio, matrices or ONNX.
 */
final class JsonRecords {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private JsonRecords() {
    }

    /**
     * One record as the JSON line of {@code hark tail} and the console-consumer formatter:
     * {"topic", "partition", "offset", "timestamp", "key", "value"}, or "error" when the value does
     * not decode.
     */
    static String line(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r,
                       dev.hark.schemas.serde.AvroDeserializer<GenericRecord> values,
                       com.fasterxml.jackson.databind.ObjectMapper mapper) {
        ObjectNode line = mapper.createObjectNode();
        line.put("topic", r.topic());
        line.put("partition", r.partition());
        line.put("offset", r.offset());
        line.put("timestamp", Instant.ofEpochMilli(r.timestamp()).toString());
        line.put("key", r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8));
        try {
            line.set("value", toJson(values.deserialize(r.topic(), r.value())));
        } catch (dev.hark.schemas.serde.HarkSerdeException e) {
            line.put("error", e.getMessage());
        }
        try {
            return mapper.writeValueAsString(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode toJson(Object value) {
        if (value == null) {
            return F.nullNode();
        }
        if (value instanceof GenericRecord record) {
            ObjectNode node = F.objectNode();
            for (Schema.Field field : record.getSchema().getFields()) {
                node.set(field.name(), toJson(record.get(field.pos())));
            }
            return node;
        }
        if (value instanceof ByteBuffer bytes) {
            return F.textNode("<" + bytes.remaining() + " bytes>");
        }
        if (value instanceof byte[] bytes) {
            return F.textNode("<" + bytes.length + " bytes>");
        }
        if (value instanceof GenericFixed fixed) {
            return F.textNode("<" + fixed.bytes().length + " bytes>");
        }
        if (value instanceof Instant instant) {
            return F.textNode(instant.toString());
        }
        if (value instanceof CharSequence || value instanceof GenericEnumSymbol<?>) {
            return F.textNode(value.toString());
        }
        if (value instanceof Boolean b) {
            return F.booleanNode(b);
        }
        if (value instanceof Integer i) {
            return F.numberNode(i);
        }
        if (value instanceof Long l) {
            return F.numberNode(l);
        }
        if (value instanceof Float f) {
            return F.numberNode(f);
        }
        if (value instanceof Double d) {
            return F.numberNode(d);
        }
        if (value instanceof Collection<?> list) {
            ArrayNode node = F.arrayNode();
            for (Object item : list) {
                node.add(toJson(item));
            }
            return node;
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode node = F.objectNode();
            map.forEach((k, v) -> node.set(String.valueOf(k), toJson(v)));
            return node;
        }
        return F.textNode(value.toString());
    }
}
