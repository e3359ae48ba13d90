package dev.hark.schemas.registry;

/** The registry answered, but with an error (Confluent's {@code error_code} and message kept). */
public class SchemaRegistryException extends RuntimeException {
    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(String message, int httpStatus, int errorCode) {
        super(message);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = -1;
        this.errorCode = -1;
    }

    /** HTTP status, or -1 when the registry did not answer. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Confluent error code (e.g. 40403 schema not found), or -1. */
    public int errorCode() {
        return errorCode;
    }

    public boolean isNotFound() {
        return httpStatus == 404;
    }
}
