package dev.hark.schemas.streams;

import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    /** The registry's fault, not the record's: no answer, or a server error. */
    public static boolean transientFailure(HarkSerdeException e) {
        return e.reason() == HarkSerdeException.Reason.REGISTRY_UNAVAILABLE
                || e.reason() == HarkSerdeException.Reason.REGISTRY_ERROR;
    }
}
