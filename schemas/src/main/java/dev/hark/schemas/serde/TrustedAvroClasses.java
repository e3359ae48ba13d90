package dev.hark.schemas.serde;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12.2 reads a specific record only into classes its {@link ClassSecurityValidator} trusts (so that a
 * writer schema cannot name an arbitrary class to instantiate); by default only java.lang and a few JDK
 * types. {@link #install()} adds the classes generated from Hark's own schemas (schemas/src/main/avro,
 * package {@value #PACKAGE}) and nothing else; every reader of specific records calls it first.
 */
public final class TrustedAvroClasses {

    /** The namespace of every schema in schemas/src/main/avro, so the package of their generated classes. */
    public static final String PACKAGE = "dev.hark.avro";

    private static boolean installed;

    private TrustedAvroClasses() {
    }

    /** Trusts Hark's generated classes in addition to whatever this JVM trusted before; idempotent. */
    public static synchronized void install() {
        if (!installed) {
            ClassSecurityValidator.setGlobal(
                    ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), TrustedAvroClasses::isHarks));
            installed = true;
        }
    }

    static boolean isHarks(Class<?> type) {
        return PACKAGE.equals(type.getPackageName());
    }
}
