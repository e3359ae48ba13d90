package dev.hark.streams;

import dev.hark.kafka.RegistryOutageException;
import dev.hark.kafka.RegistryRetry;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.hark.kafka.DeadLetters;
import dev.hark.schemas.serde.HarkSerdeException;

/**
 * Makes a stage's processor total: whatever its own checks missed, an exception thrown while processing
 * a record becomes that record's dead letter ({@code reason = internal-error}), written in the same
 * transaction as everything else, and the stream goes on. Exceptions that are about the system, not the
 * record, pass through to Kafka Streams: its own errors (a fenced producer, a migrated task), a registry
 * outage ({@link RegistryOutageException}) and JVM errors. {@link StreamSafety}'s handlers are the net
 * behind this one.
 */
public final class GuardedProcessor implements Processor<String, byte[], String, SpecificRecord> {
    private static final Logger log = LoggerFactory.getLogger(GuardedProcessor.class);

    private final String stage;
    private final String topic;
    private final String dlqSink;
    private final Processor<String, byte[], String, SpecificRecord> inner;
    private ProcessorContext<String, SpecificRecord> context;

    private GuardedProcessor(String stage, String topic, String dlqSink, Processor<String, byte[], String, SpecificRecord> inner) {
        this.stage = stage;
        this.topic = topic;
        this.dlqSink = dlqSink;
        this.inner = inner;
    }

    /** {@code processors}, each guarded; dead letters go to the sink named {@code dlqSink}. */
    public static ProcessorSupplier<String, byte[], String, SpecificRecord> of(String stage, String topic, String dlqSink,
            ProcessorSupplier<String, byte[], String, SpecificRecord> processors) {
        return () -> new GuardedProcessor(stage, topic, dlqSink, processors.get());
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        inner.init(context);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        try {
            inner.process(record);
        } catch (RuntimeException e) {
            if (systemFailure(e)) {
                throw e;
            }
            log.error("{}: processing a record failed unexpectedly; it goes to the dead-letter topic", stage, e);
            DeadLetters.Origin origin = StreamDeadLetters.origin(context, record, topic);
            context.forward(new Record<String, SpecificRecord>(DeadLetters.key(record.key()), DeadLetters.of(stage,
                    "internal-error", "Hark could not process this record: " + e, e, origin, null, null,
                    context.currentSystemTimeMs()), record.timestamp()), dlqSink);
        }
    }

    /** Not the record's fault: let Kafka Streams (and the uncaught-exception handler) deal with it. */
    static boolean systemFailure(Throwable e) {
        if (e instanceof RegistryOutageException || e instanceof StreamsException) {
            return true;
        }
        if (e instanceof HarkSerdeException h) {
            return RegistryRetry.transientFailure(h);
        }
        return e instanceof KafkaException;
    }

    @Override
    public void close() {
        inner.close();
    }
}
