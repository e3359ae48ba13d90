package dev.hark.kafka;


/**
 * The schema registry did not answer (or answered with a server error) for longer than a record may
 * wait in place. Not the record's fault, so never a dead letter: the stream thread gives the record
 * back (its transaction aborts) and is replaced after a backoff ({@code StreamSafety.restartWithBackoff}),
 * which reads it again from the last commit until the registry is back.
 */
public final class RegistryOutageException extends RuntimeException {
    public RegistryOutageException(String message, Throwable cause) {
        super(message, cause);
    }
}
