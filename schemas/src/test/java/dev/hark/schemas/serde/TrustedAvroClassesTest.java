package dev.hark.schemas.serde;

import dev.hark.avro.AudioClip;
import org.apache.avro.util.ClassSecurityValidator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Hark's generated records are trusted by Avro's class check, and nothing else is added. */
class TrustedAvroClassesTest {

    @Test
    void harksRecordsAreTrustedOtherClassesAreNot() {
        TrustedAvroClasses.install();
        TrustedAvroClasses.install();
        assertDoesNotThrow(() -> ClassSecurityValidator.validate(AudioClip.class));
        assertDoesNotThrow(() -> ClassSecurityValidator.validate(String.class));
        assertThrows(SecurityException.class, () -> ClassSecurityValidator.validate(java.io.File.class));
        assertThrows(SecurityException.class, () -> ClassSecurityValidator.validate(TrustedAvroClasses.class));
    }
}
