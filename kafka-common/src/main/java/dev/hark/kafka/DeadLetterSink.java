package dev.hark.kafka;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.hark.avro.DeadLetter;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroSerializer;

/**
 * A producer of dead letters outside the stream's transactions, for Kafka Streams' exception handlers:
 * they see a record only after it left the processors (it could not be read, produced, or processed by
 * a bug the processor's own guard did not catch), when nothing can be forwarded any more. Each send is
 * waited for, so a handler says "continue" only once the dead letter is written. The
 * {@code audio.dlq} schema is registered when the sink is made, so writing needs no registry.
 */
public final class DeadLetterSink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterSink.class);

    private final KafkaProducer<String, DeadLetter> producer;

    public DeadLetterSink(ClusterConfig cluster, SchemaRegistryClient registry, String clientId) {
        AvroSerializer<DeadLetter> values = new AvroSerializer<>(registry);
        values.preregister(Topics.AUDIO_DLQ.name(), DeadLetter.getClassSchema());
        Properties p = cluster.clientProperties();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), values);
    }

    /** Writes the dead letter and waits until Kafka has it; false (and an error in the log) if it could not. */
    public boolean send(String key, DeadLetter letter) {
        try {
            producer.send(new ProducerRecord<>(Topics.AUDIO_DLQ.name(), key, letter)).get(30, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            log.error("could not write a dead letter ({} / {}) to {}: {}", letter.getStage(), letter.getReason(),
                    Topics.AUDIO_DLQ.name(), e.toString());
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
