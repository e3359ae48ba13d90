package dev.hark.kafka;

import dev.hark.avro.ModelRelease;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroSerializer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

/** Writes releases to {@code models}: big records (raised request size), acknowledged by every replica. */
public final class ModelPublisher implements AutoCloseable {

    private final KafkaProducer<String, ModelRelease> producer;

    public ModelPublisher(String bootstrapServers, SchemaRegistryClient registry) {
        this(new ClusterConfig(bootstrapServers, ""), registry);
    }

    /** With the cluster's client settings (security). */
    public ModelPublisher(ClusterConfig cluster, SchemaRegistryClient registry) {
        Properties p = cluster.clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_MODEL_MESSAGE_BYTES);
        producer = new KafkaProducer<>(p, new StringSerializer(), new AvroSerializer<>(registry));
    }

    /** Sends and waits for the acknowledgement. */
    public void publish(ModelRelease release) {
        try {
            producer.send(new ProducerRecord<>(Topics.MODELS.name(), Integer.toString(release.getVersion()), release)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing v" + release.getVersion(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not publish model v" + release.getVersion() + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Publishes one release with a producer of its own (e.g. a promotion: the classifier swaps to it). */
    public static void publishOnce(ClusterConfig cluster, SchemaRegistryClient registry, ModelRelease release) {
        try (ModelPublisher p = new ModelPublisher(cluster, registry)) {
            p.publish(release);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
