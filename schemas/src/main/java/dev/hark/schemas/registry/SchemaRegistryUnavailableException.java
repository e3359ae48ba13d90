package dev.hark.schemas.registry;

/** The registry could not be reached at all (refused, timed out, unknown host). */
public class SchemaRegistryUnavailableException extends SchemaRegistryException {
    public SchemaRegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
