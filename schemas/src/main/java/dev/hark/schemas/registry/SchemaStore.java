package dev.hark.schemas.registry;

import org.apache.avro.Schema;

/**
 * The part of a Confluent-compatible schema registry that Hark's serializers need: a schema gets a
 * global id under a subject ({@code <topic>-value}), and an id gives its schema back. The id is what
 * the Confluent wire format carries (magic byte 0, the id as a 4-byte big-endian int, Avro binary).
 *
 * <p>Contract, as the registry's REST API has it: registering a schema already registered under the
 * subject returns its id again; an id or a subject/schema pair the store does not know is a
 * {@link SchemaRegistryException} whose {@link SchemaRegistryException#isNotFound() isNotFound()} is
 * true; a store that cannot be reached throws {@link SchemaRegistryUnavailableException}.
 * {@link SchemaRegistryClient} is the production store.
 */
public interface SchemaStore {

    /** A subject's schema version as the store reports it. */
    record RegisteredSchema(String subject, int version, int id, Schema schema) {
    }

    /** Registers {@code schema} under {@code subject} (or finds it already there) and returns its global id. */
    int register(String subject, Schema schema);

    /** Finds {@code schema} under {@code subject} without registering it; not found is an exception. */
    RegisteredSchema lookup(String subject, Schema schema);

    /** The schema with this global id; an unknown id is an exception. */
    Schema schemaById(int id);
}
