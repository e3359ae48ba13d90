package dev.hark.launcher;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.MessageFormatter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hark.schemas.ClusterConfig;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;
import dev.hark.schemas.serde.HarkSerdeException;

/**
 * A formatter for Kafka's own {@code kafka-console-consumer.sh}: prints each Hark record as one JSON
 * line (the shape of {@code hark tail}), its Avro value decoded through the schema registry with the
 * record's writer schema; {@code bytes} fields (PCM, feature matrices, ONNX) print as {@code "<N bytes>"}.
 *
 * <pre>
 * CLASSPATH="launcher/target/hark-launcher.jar:launcher/target/lib/*" \
 *   kafka-console-consumer.sh --bootstrap-server localhost:9092 --topic audio.predictions --from-beginning \
 *   --formatter dev.hark.launcher.AvroJsonFormatter --property registry.url=http://localhost:8081/apis/ccompat/v7
 * </pre>
 * {@code registry.url} defaults to {@code $HARK_REGISTRY_URL}, else the registry of {@code hark up}.
 */
public final class AvroJsonFormatter implements MessageFormatter {
    private final ObjectMapper mapper = new ObjectMapper();
    private AvroDeserializer<GenericRecord> values;

    @Override
    public void configure(Map<String, ?> configs) {
        Object url = configs.get("registry.url");
        String registryUrl = url != null ? url.toString() : ClusterConfig.fromEnv().registryUrl();
        values = AvroDeserializer.generic(new SchemaRegistryClient(registryUrl), null);
    }

    @Override
    public void writeTo(ConsumerRecord<byte[], byte[]> r, PrintStream output) {
        if (values == null) {
            configure(Map.of());
        }
        ObjectNode line = mapper.createObjectNode();
        line.put("topic", r.topic());
        line.put("partition", r.partition());
        line.put("offset", r.offset());
        line.put("timestamp", Instant.ofEpochMilli(r.timestamp()).toString());
        line.put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
        try {
            line.set("value", JsonRecords.toJson(values.deserialize(r.topic(), r.value())));
        } catch (HarkSerdeException e) {
            line.put("error", e.getMessage());
        }
        try {
            output.println(mapper.writeValueAsString(line));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
