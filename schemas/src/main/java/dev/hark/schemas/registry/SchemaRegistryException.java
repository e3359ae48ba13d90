package dev.hark.schemas.registry;

/** The registry answered, but with an error (its HTTP status kept; Confluent's {@code error_code} is in the message). */
public class SchemaRegistryException extends RuntimeException {
    private final int httpStatus;

    /** @param message what was asked and what the registry answered, its Confluent {@code error_code} included */
    public SchemaRegistryException(String message, int httpStatus) {
        super(message);
        this.httpStatus = httpStatus;
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = -1;
    }

    /** HTTP status, or -1 when the registry did not answer. */
    public int httpStatus() {
        return httpStatus;
    }

    public boolean isNotFound() {
        return httpStatus == 404;
    }
}
