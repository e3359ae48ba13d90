package dev.hark.streams;

import dev.hark.kafka.DeadLetterSink;
import dev.hark.kafka.RegistryOutageException;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.hark.kafka.DeadLetters;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.registry.SchemaRegistryException;
import dev.hark.schemas.serde.AvroSerializer;

/**
 * Kafka Streams' own exception handlers, as the net behind Hark's processors (which validate first and
 * are {@link GuardedProcessor guarded}): a record that cannot be read, processed or produced becomes one
 * dead letter (through a {@link DeadLetterSink}) and the stream goes on; trouble that is not the
 * record's (a registry outage, a broker that is away) fails the stream thread, which
 * {@link #restartWithBackoff} replaces after a pause, so processing resumes by itself from the last
 * commit when the registry or broker is back. Kafka Streams 4.1 has no dead-letter support of its own
 * in these handlers (that came in 4.2), hence the sink.
 */
public final class StreamSafety {
    private static final Logger log = LoggerFactory.getLogger(StreamSafety.class);

    /** The Streams config key under which a service passes its {@link DeadLetterSink} to the handlers. */
    public static final String SINK_CONFIG = "hark.dead.letter.sink";
    /** ... and the stage name its handler-made dead letters carry. */
    public static final String STAGE_CONFIG = "hark.stage";

    private StreamSafety() {
    }

    /** The handler settings for a service's Streams configuration. */
    public static Properties handlers(String stage, DeadLetterSink sink) {
        Properties p = new Properties();
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ProcessingHandler.class.getName());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeserializationHandler.class.getName());
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, ProductionHandler.class.getName());
        p.put(SINK_CONFIG, sink);
        p.put(STAGE_CONFIG, stage);
        return p;
    }

    /**
     * Waits (with backoff, saying so) until the registry answers, then registers what the stage writes
     * and fetches every schema version of what it reads: from then on the stage writes its outputs and
     * dead letters, and reads every record written so far, without the registry.
     */
    public static void prepareRegistry(SchemaRegistryClient registry, AvroSerializer<?> serializer,
                                       Map<String, Schema> writes, List<String> reads) {
        long backoff = 500;
        for (int attempt = 1; ; attempt++) {
            try {
                writes.forEach(serializer::preregister);
                for (String topic : reads) {
                    registry.preload(AvroSerializer.subject(topic, false));
                }
                return;
            } catch (SchemaRegistryException | dev.hark.schemas.serde.HarkSerdeException e) {
                log.warn("waiting for the schema registry (attempt {}, next in {} ms): {}", attempt, backoff, e.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the schema registry", ie);
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }

    /**
     * Replaces a stream thread that died, after a pause that doubles from 1 s to 30 s while failures
     * keep coming (and starts again at 1 s after a minute without one). Under exactly-once the dead
     * thread's transaction is aborted, so the new one starts from the last commit: nothing is lost or doubled.
     */
    public static StreamsUncaughtExceptionHandler restartWithBackoff(String service) {
        AtomicLong backoffMs = new AtomicLong(0);
        AtomicLong lastFailureMs = new AtomicLong(0);
        return error -> {
            long now = System.currentTimeMillis();
            long backoff = now - lastFailureMs.getAndSet(now) > 60_000 ? 1_000 : Math.min(30_000, Math.max(1_000, backoffMs.get() * 2));
            backoffMs.set(backoff);
            log.error("{}: a stream thread failed; replacing it in {} ms: {}", service, backoff, rootMessage(error));
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        };
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? e.toString() : e.getClass().getSimpleName() + " caused by " + t;
    }

    static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** The shared part of the three handlers: the sink, the stage, and writing a dead letter. */
    abstract static class Handler {
        DeadLetterSink sink;
        String stage;

        public void configure(Map<String, ?> configs) {
            Object s = configs.get(SINK_CONFIG);
            if (!(s instanceof DeadLetterSink)) {
                throw new IllegalStateException(getClass().getSimpleName() + " needs a DeadLetterSink under " + SINK_CONFIG);
            }
            sink = (DeadLetterSink) s;
            Object name = configs.get(STAGE_CONFIG);
            stage = name == null ? "kafka-streams" : name.toString();
        }

        boolean deadLetter(String reason, String message, Throwable error, DeadLetters.Origin origin) {
            log.error("{}: {} at {}: {}", stage, reason, origin.where(), message, error);
            return sink.send(DeadLetters.key(origin.key()), DeadLetters.of(stage, reason, message, error, origin, null, null,
                    System.currentTimeMillis()));
        }

        static DeadLetters.Origin origin(ErrorHandlerContext c) {
            return new DeadLetters.Origin(c.topic(), c.topic() == null ? null : c.partition(),
                    c.topic() == null ? null : c.offset(), c.timestamp(), c.sourceRawKey(), c.sourceRawValue());
        }
    }

    /** An exception that escaped a processor (or a punctuator). */
    public static final class ProcessingHandler extends Handler implements ProcessingExceptionHandler {
        @Override
        public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
            if (GuardedProcessor.systemFailure(exception) || causedBy(exception, RegistryOutageException.class)) {
                return ProcessingHandlerResponse.FAIL;
            }
            if (context.topic() == null) {
                // a punctuator: there is no input record to dead-letter; the next tick tries again
                log.error("{}: a wall-clock punctuation failed in task {}; continuing", stage, context.taskId(), exception);
                return ProcessingHandlerResponse.CONTINUE;
            }
            return deadLetter("internal-error", "processing failed: " + exception, exception, origin(context))
                    ? ProcessingHandlerResponse.CONTINUE : ProcessingHandlerResponse.FAIL;
        }
    }

    /** A record whose key or value could not be read (Hark's sources read bytes, so this is a net only). */
    public static final class DeserializationHandler extends Handler implements DeserializationExceptionHandler {
        @Override
        public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                     Exception exception) {
            DeadLetters.Origin origin = new DeadLetters.Origin(record.topic(), record.partition(), record.offset(),
                    record.timestamp(), record.key(), record.value());
            return deadLetter("undecodable-record", "cannot read the record: " + exception, exception, origin)
                    ? DeserializationHandlerResponse.CONTINUE : DeserializationHandlerResponse.FAIL;
        }
    }

    /**
     * An output that could not be written. Too large, or not encodable: the input it came from gets the
     * dead letter. A registry outage while encoding, or a broker error: retried (the default behaviour).
     */
    public static final class ProductionHandler extends Handler implements ProductionExceptionHandler {
        @Override
        public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                                         Exception exception) {
            if (exception instanceof RecordTooLargeException) {
                int size = record.value() == null ? 0 : record.value().length;
                return deadLetter("output-too-large", "its output to " + record.topic() + " (" + size
                        + " bytes) is larger than the topic accepts: " + exception.getMessage(), exception, origin(context))
                        ? ProductionExceptionHandlerResponse.CONTINUE : ProductionExceptionHandlerResponse.FAIL;
            }
            return exception instanceof RetriableException
                    ? ProductionExceptionHandlerResponse.RETRY : ProductionExceptionHandlerResponse.FAIL;
        }

        @Override
        public ProductionExceptionHandlerResponse handleSerializationException(ErrorHandlerContext context,
                ProducerRecord record, Exception exception, SerializationExceptionOrigin origin) {
            if (GuardedProcessor.systemFailure(exception)) {
                return ProductionExceptionHandlerResponse.FAIL;
            }
            return deadLetter("unencodable-output", "its output to " + record.topic() + " cannot be encoded: " + exception,
                    exception, origin(context))
                    ? ProductionExceptionHandlerResponse.CONTINUE : ProductionExceptionHandlerResponse.FAIL;
        }
    }
}
