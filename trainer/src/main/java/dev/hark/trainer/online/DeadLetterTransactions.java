package dev.hark.trainer.online;

import dev.hark.avro.DeadLetter;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroSerializer;
import dev.hark.telemetry.Metrics;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * The online trainer's dead letters, written exactly once: each batch of them goes to {@code audio.dlq}
 * in one Kafka transaction together with the consumer offsets past the records they stand for. The
 * producer's {@code transactional.id} is fixed per consumer group ({@link #transactionalId}), so a
 * restarted trainer fences the one before it and aborts what that one left open; the producer is made
 * (and fenced in) on first use, and made again after it failed. Every send is awaited before the commit:
 * a dead letter that could not be written fails the batch instead of vanishing.
 */
final class DeadLetterTransactions implements AutoCloseable {

    /** A dead letter and the key it is written with (null when the original record had none). */
    record Letter(String key, DeadLetter value) {}

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterTransactions.class);

    private final ClusterConfig cluster;
    private final String group;
    private final AvroSerializer<DeadLetter> values;
    /** Made on first use, made again after a fatal error; used by one thread at a time (the loop's, or the caller's). */
    private volatile KafkaProducer<String, DeadLetter> producer;
    /** The producer's Kafka metrics in the process-wide registry, bound and closed with it. */
    private volatile Metrics.Handle producerMeters;

    DeadLetterTransactions(ClusterConfig cluster, SchemaRegistryClient registry, String group) {
        this.cluster = cluster;
        this.group = group;
        this.values = new AvroSerializer<>(registry);
    }

    /** One per group: the trainer after a restart (or a second one by mistake) fences the one before. */
    static String transactionalId(String group) {
        return "hark-trainer-dead-letters-" + group;
    }

    /** Registers the dead-letter schema, so that writing needs no registry. */
    void preregister() {
        values.preregister(Topics.AUDIO_DLQ.name(), DeadLetter.getClassSchema());
    }

    /**
     * Makes the producer if there is none: its {@code initTransactions} fences an earlier trainer of this
     * group and settles what it left open, so that the committed offsets read next are final.
     */
    void ensureProducer() {
        if (producer != null) {
            return;
        }
        Properties p = cluster.clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(group));
        KafkaProducer<String, DeadLetter> made = new KafkaProducer<>(p, new StringSerializer(), values);
        try {
            made.initTransactions();
        } catch (RuntimeException e) {
            closeQuietly(made);
            throw e;
        }
        producer = made;
        producerMeters = Metrics.global().kafka(made);
    }

    /**
     * Writes {@code letters} and moves the group's offsets to {@code offsets}, as one
     * transaction. On any failure the transaction is aborted (or the producer dropped, to be made again)
     * and the failure thrown: nothing of it is committed.
     */
    void commit(List<Letter> letters, Map<TopicPartition, OffsetAndMetadata> offsets,
                             ConsumerGroupMetadata consumer) {
        ensureProducer();
        KafkaProducer<String, DeadLetter> p = producer;
        boolean inTransaction = false;
        try {
            p.beginTransaction();
            inTransaction = true;
            List<Future<RecordMetadata>> sent = new ArrayList<>(letters.size());
            for (Letter l : letters) {
                sent.add(p.send(new ProducerRecord<>(Topics.AUDIO_DLQ.name(), l.key(), l.value())));
            }
            awaitAll(p, sent);
            p.sendOffsetsToTransaction(offsets, consumer);
            p.commitTransaction();
        } catch (RuntimeException e) {
            if (inTransaction) {
                abort(p);
            } else {
                replace(p);
            }
            throw e;
        }
    }

    /** Waits until every send is acknowledged; the first failure is thrown. */
    private static void awaitAll(KafkaProducer<?, ?> p, List<Future<RecordMetadata>> sent) {
        p.flush();
        for (Future<RecordMetadata> f : sent) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted while writing dead letters", e);
            } catch (ExecutionException e) {
                throw new KafkaException("a dead letter could not be written to " + Topics.AUDIO_DLQ.name() + ": "
                        + e.getCause(), e.getCause());
            }
        }
    }

    /** Aborts the open transaction; a producer that cannot (fenced, or in a fatal state) is replaced on next use. */
    private void abort(KafkaProducer<String, DeadLetter> p) {
        try {
            p.abortTransaction();
        } catch (RuntimeException e) {
            LOG.warn("the dead-letter producer is replaced ({})", e.toString());
            replace(p);
        }
    }

    /** Drops the producer; the next use makes a new one (whose initTransactions aborts what this one left open). */
    private void replace(KafkaProducer<String, DeadLetter> p) {
        if (producer == p) {
            producer = null;
            closeMeters();
        }
        closeQuietly(p);
    }

    /** Before a new producer's are bound: a replacement has the same client id, so the same meters. */
    private void closeMeters() {
        Metrics.Handle m = producerMeters;
        producerMeters = null;
        if (m != null) {
            m.close();
        }
    }

    private static void closeQuietly(KafkaProducer<?, ?> p) {
        try {
            p.close(Duration.ZERO);
        } catch (RuntimeException e) {
            LOG.debug("producer close: {}", e.toString());
        }
    }

    /** Closes the producer; an open transaction is aborted. */
    @Override
    public void close() {
        KafkaProducer<String, DeadLetter> p = producer;
        producer = null;
        if (p != null) {
            try {
                p.close(Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                LOG.debug("producer close: {}", e.toString());
            }
        }
        closeMeters();
    }
}
