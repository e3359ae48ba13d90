package dev.hark.audio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class Pcm16Test {

    @Test
    void bytesSurviveARoundTripExactly() {
        byte[] pcm = new byte[2 * 65536];
        for (int v = -32768, i = 0; v <= 32767; v++, i += 2) {
            pcm[i] = (byte) v;
            pcm[i + 1] = (byte) (v >> 8);
        }
        float[] f = Pcm16.toFloats(pcm);
        assertEquals(-1f, f[0]);
        assertEquals(0f, f[32768]);
        assertArrayEquals(pcm, Pcm16.fromFloats(f));
    }

    @Test
    void encodingRoundsAndClips() {
        byte[] b = Pcm16.fromFloats(new float[] {1f, -1f, 2f, -2f, Float.NaN, 0.5f, 1.4f / 32768f});
        short[] s = new short[b.length / 2];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(s);
        assertArrayEquals(new short[] {32767, -32768, 32767, -32768, 0, 16384, 1}, s);
    }

    @Test
    void byteBufferIsReadLittleEndianWithoutMovingIt() {
        byte[] raw = {9, 9, 0, 0x40, 0, (byte) 0xC0};
        ByteBuffer heap = ByteBuffer.wrap(raw).order(ByteOrder.BIG_ENDIAN);
        heap.position(2);
        assertArrayEquals(new float[] {0.5f, -0.5f}, Pcm16.toFloats(heap));
        assertEquals(2, heap.position());

        ByteBuffer direct = ByteBuffer.allocateDirect(6);
        direct.put(raw).position(2);
        assertArrayEquals(new float[] {0.5f, -0.5f}, Pcm16.toFloats(direct));
        assertEquals(2, direct.position());

        ByteBuffer slice = ByteBuffer.wrap(raw, 2, 2).slice();
        assertArrayEquals(new float[] {0.5f}, Pcm16.toFloats(slice));
    }

    @Test
    void oddByteCountIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pcm16.toFloats(new byte[3]));
        assertEquals("16-bit PCM needs an even number of bytes, got 3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Pcm16.toFloats(ByteBuffer.allocateDirect(5)));
    }

    @Test
    void wavWriterWritesWhatTheDecoderReads(@TempDir Path dir) throws IOException {
        float[] x = new float[1234];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.01) * 0.9f;
        }
        Path file = dir.resolve("x.wav");
        WavWriter.write(file, x, 22050);
        assertEquals(44 + 2 * x.length, Files.size(file));
        Audio a = WavDecoder.decode(file);
        assertEquals(22050, a.sampleRate());
        assertArrayEquals(Pcm16.toFloats(Pcm16.fromFloats(x)), a.samples());
        assertArrayEquals(x, a.samples(), 0.5f / 32768f + 1e-7f);
        // canonical header, byte for byte what FSDD files start with apart from sizes and rate
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(file), 16);
        assertArrayEquals(TestWavs.ascii("RIFF"), java.util.Arrays.copyOf(head, 4));
        assertArrayEquals(TestWavs.ascii("WAVEfmt "), java.util.Arrays.copyOfRange(head, 8, 16));
    }
}
