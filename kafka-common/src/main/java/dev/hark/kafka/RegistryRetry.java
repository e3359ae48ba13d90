package dev.hark.kafka;

import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.hark.schemas.registry.SchemaRegistryException;
import dev.hark.schemas.serde.HarkSerdeException;

/**
 * Runs a registry-backed step (decoding a record whose schema id is not cached yet) and, when the
 * registry is unavailable, retries it in place with backoff for a few seconds: a registry restart or a
 * network blip costs a short pause, not a dead letter. Past that, {@link RegistryOutageException}.
 * The wait stays well inside Kafka Streams' exactly-once transaction timeout (10 s) and poll interval.
 */
public final class RegistryRetry {
    private static final Logger log = LoggerFactory.getLogger(RegistryRetry.class);
    /** 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s: about 3 s in place before giving the record back. */
    static final long[] BACKOFF_MS = {100, 200, 400, 800, 1600};

    private RegistryRetry() {
    }

    public static <T> T call(Supplier<T> step) {
        for (int attempt = 0; ; attempt++) {
            try {
                return step.get();
            } catch (HarkSerdeException e) {
                if (!transientFailure(e)) {
                    throw e;
                }
                if (attempt >= BACKOFF_MS.length) {
                    throw new RegistryOutageException("the schema registry is unavailable: " + e.getMessage(), e);
                }
                if (attempt == 0) {
                    log.warn("schema registry unavailable, retrying: {}", e.getMessage());
                }
                try {
                    Thread.sleep(BACKOFF_MS[attempt]);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new RegistryOutageException("interrupted while waiting for the schema registry", e);
                }
            }
        }
    }

    /**
     * Whether a failure to decode is the registry's trouble rather than the record's. The registry not
     * answering, or answering with a server error, is; so is a refusal that is about us (401/403: wrong
     * credentials, 429: slow down), which a later retry gets past once it is fixed. A 400, 404 or 422
     * (an id the registry does not know or cannot even look up, such as a negative one) and a schema that
     * is not Avro are the record's: retried, such a record (and every record behind it) would wait for ever.
     */
    public static boolean transientFailure(HarkSerdeException e) {
        if (e.reason() == HarkSerdeException.Reason.REGISTRY_UNAVAILABLE) {
            return true;
        }
        if (e.reason() != HarkSerdeException.Reason.REGISTRY_ERROR) {
            return false;
        }
        if (e.getCause() instanceof SchemaRegistryException sre) {
            int status = sre.httpStatus();
            if (status == 400 || status == 404 || status == 422) {
                return false;
            }
            if (status == -1 && sre.getCause() instanceof RuntimeException) {
                return false; // the registry returned something for this id that is not an Avro schema
            }
        }
        return true;
    }
}
