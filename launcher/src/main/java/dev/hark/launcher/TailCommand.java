package dev.hark.launcher;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.Topic;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hark tail TOPIC}: a Hark topic's records as JSON lines, decoded through the registry. */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Print a Hark topic's records as JSON lines, decoded through the schema registry (each with "
                + "the schema it was written with): {\"topic\", \"partition\", \"offset\", \"timestamp\", \"key\", "
                + "\"value\"}. Bytes fields (audio, feature matrices, ONNX models) print as their length, e.g. "
                + "\"<16160 bytes>\". A record that does not decode prints as {\"error\": ...} and tail goes on.",
                "",
                "Reads without a consumer group (nothing is committed). Without --from-beginning it starts at the "
                        + "end and follows new records until Ctrl-C or --limit."})
final class TailCommand implements Callable<Integer> {

    @Parameters(paramLabel = "TOPIC", description = "One of: audio.chunks, audio.clips, audio.clips.labeled, "
            + "audio.features, audio.predictions, models, audio.dlq.")
    String topicName;

    @Option(names = "--from-beginning", description = "Start at the oldest record kept instead of the end.")
    boolean fromBeginning;

    @Option(names = "--limit", paramLabel = "N", description = "Stop after N records.")
    Long limit;

    @Option(names = "--idle-exit", paramLabel = "DURATION",
            description = "Stop when no record has come for this long (e.g. 5s); default: follow forever.")
    String idleExit;

    @picocli.CommandLine.Mixin
    ClusterOptions clusterOptions = new ClusterOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Topic<?> topic = Topics.byName(topicName).orElseThrow(() -> new IllegalArgumentException(
                "no Hark topic named '" + topicName + "'; topics are " + Topics.ALL));
        ClusterConfig cluster = clusterOptions.cluster();
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        AvroDeserializer<GenericRecord> values = AvroDeserializer.generic(registry, null);
        long idleMs = idleExit == null || Durations.parseMs(idleExit) < 0 ? Long.MAX_VALUE : Durations.parseMs(idleExit);
        PrintWriter out = spec.commandLine().getOut();
        ObjectMapper mapper = new ObjectMapper();

        Properties props = cluster.clientProperties(); // with the security settings of the environment
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_MODEL_MESSAGE_BYTES);
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Topics.MAX_MODEL_MESSAGE_BYTES);
        long printed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(15)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                throw new IllegalStateException("topic " + topic.name() + " does not exist at " + cluster.bootstrapServers());
            }
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            long lastRecord = System.currentTimeMillis();
            while (limit == null || printed < limit) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty() && System.currentTimeMillis() - lastRecord >= idleMs) {
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    lastRecord = System.currentTimeMillis();
                    out.println(JsonRecords.line(r, values, mapper));
                    out.flush();
                    if (limit != null && ++printed >= limit) {
                        break;
                    }
                }
            }
        }
        return ExitCodes.OK;
    }
}
