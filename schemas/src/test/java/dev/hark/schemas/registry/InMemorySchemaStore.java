package dev.hark.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;

import dev.hark.schemas.serde.HarkSerdes;

/**
 * A {@link SchemaStore} kept in this process, for tests that drive a topology without a registry
 * process ({@code TopologyTestDriver}, {@code MockProcessorContext}). It keeps the registry's
 * subject/id contract: ids are global and start at 1; the same schema gets the same id under every
 * subject (as Confluent Schema Registry does); each subject has versions 1, 2, ...; an unknown id or an
 * unregistered subject/schema is a {@link SchemaRegistryException} with HTTP status 404, as the REST API
 * answers. The serializers over it write the same bytes as over the registry
 * but for the id ({@code SchemaStoreContractTest}).
 */
public final class InMemorySchemaStore implements SchemaStore {
    private final Map<Schema, Integer> idsBySchema = new HashMap<>();
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, List<Integer>> versionsBySubject = new HashMap<>();

    /** The serdes of Hark's topics over a fresh store. */
    public static HarkSerdes serdes() {
        return new HarkSerdes(new InMemorySchemaStore());
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        int id = idsBySchema.computeIfAbsent(schema, s -> {
            int next = schemasById.size() + 1;
            schemasById.put(next, s);
            return next;
        });
        List<Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id;
    }

    @Override
    public synchronized RegisteredSchema lookup(String subject, Schema schema) {
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null) {
            throw new SchemaRegistryException("Subject '" + subject + "' not found (error 40401)", 404);
        }
        Integer id = idsBySchema.get(schema);
        int index = id == null ? -1 : versions.indexOf(id);
        if (index < 0) {
            throw new SchemaRegistryException("Schema not found under subject '" + subject + "' (error 40403)", 404);
        }
        return new RegisteredSchema(subject, index + 1, id, schema);
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw new SchemaRegistryException("Schema " + id + " not found (error 40403)", 404);
        }
        return schema;
    }
}
