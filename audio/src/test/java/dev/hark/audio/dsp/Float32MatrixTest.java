package dev.hark.audio.dsp;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class Float32MatrixTest {

    @Test
    void rowMajorLittleEndianRoundTrip() {
        float[][] m = {{1f, -2.5f, Float.MIN_VALUE}, {0f, 1e-6f, 3e8f}};
        byte[] b = Float32Matrix.toBytes(m);
        assertEquals(24, b.length);
        // 1.0f = 0x3F800000, little-endian first
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3F}, java.util.Arrays.copyOf(b, 4));
        ByteBuffer buf = ByteBuffer.wrap(b);
        float[][] back = Float32Matrix.fromBytes(buf, 2, 3);
        assertArrayEquals(m[0], back[0]);
        assertArrayEquals(m[1], back[1]);
        assertEquals(0, buf.position());
    }

    @Test
    void sizeMismatchAndRaggedRowsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Float32Matrix.fromBytes(ByteBuffer.allocate(20), 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Float32Matrix.toBytes(new float[][] {{1f}, {1f, 2f}}));
    }
}
