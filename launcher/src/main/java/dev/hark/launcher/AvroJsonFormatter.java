package dev.hark.launcher;

import java.io.PrintStream;
import java.util.Map;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.MessageFormatter;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;

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
        output.println(JsonRecords.line(r, values, mapper));
    }
}
