package dev.hark.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DigestsTest {

    @Test
    void theFipsTestVectors() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Digests.sha256("abc"));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Digests.sha256(new byte[0]));
        assertEquals(Digests.sha256("abc"), dev.hark.audio.Digests.sha256("abc".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
