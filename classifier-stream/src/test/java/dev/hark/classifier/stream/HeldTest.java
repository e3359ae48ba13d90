package dev.hark.classifier.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/** A held record comes back whole from both store forms: the current key form and the earlier value form. */
class HeldTest {

    private static void assertSame(Held expected, Held actual) {
        assertEquals(expected.timestamp(), actual.timestamp());
        assertEquals(expected.topic(), actual.topic());
        assertEquals(expected.partition(), actual.partition());
        assertEquals(expected.offset(), actual.offset());
        assertEquals(expected.key(), actual.key());
        assertArrayEquals(expected.value(), actual.value());
    }

    @Test
    void theStoreKeyFormCarriesEverythingButTheValue() {
        for (Held held : new Held[] {new Held(1_700_000_000_000L, "audio.features", 2, 41L, "clip-ü", new byte[] {0, 1, 2}),
                new Held(5L, null, 0, 0L, null, new byte[0])}) {
            byte[] key = held.storeKey(77);
            assertEquals(77, Held.seq(key));
            assertSame(held, Held.fromStore(key, held.value()));
        }
    }

    @Test
    void anEarlierVersionsStoreEntryIsStillRead() {
        Held held = new Held(1_700_000_000_000L, "audio.features", 1, 9L, "clip-1", new byte[] {9, 8, 7});
        byte[] oldKey = ByteBuffer.allocate(8).putLong(3).array();
        assertSame(held, Held.fromStore(oldKey, held.encode()));
        assertEquals(3, Held.seq(oldKey));
    }
}
