package dev.hark.audio;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds WAV files byte by byte, including the odd and the broken ones, so decoder tests do not depend
 * on any other WAV writer agreeing with ours.
 */
final class TestWavs {

    static final int PCM = 1;
    static final int FLOAT = 3;
    static final int MULAW = 7;
    static final int EXTENSIBLE = 0xFFFE;

    boolean bigEndian;
    int formatTag = PCM;
    /** For EXTENSIBLE: the sub-format code put into the GUID. */
    int subFormat = PCM;
    int channels = 1;
    int rate = 8000;
    int bits = 16;
    /** Bytes per sample container; 0 = (bits + 7) / 8. */
    int container;
    int validBits;
    /** Overrides the computed block align when non-negative. */
    int blockAlign = -1;
    /** Overrides the declared data size when non-negative. */
    long declaredDataSize = -1;
    /** A LIST chunk of this many bytes before the data (odd sizes get a pad byte). */
    int listChunkBytes;
    boolean omitFmt;
    /** Raw sample data; see {@link #pcm}, {@link #floats}. */
    byte[] data = new byte[0];

    static TestWavs pcm16(short... samples) {
        TestWavs w = new TestWavs();
        w.data = w.ints(toInts(samples));
        return w;
    }

    static int[] toInts(short[] s) {
        int[] out = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[i];
        }
        return out;
    }

    int containerBytes() {
        return container > 0 ? container : (bits + 7) / 8;
    }

    /** Interleaved integer samples written into containers, left-justified as the format requires. */
    byte[] ints(int[] interleaved) {
        int n = containerBytes();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int v : interleaved) {
            long shifted = n == 1 ? v & 0xff : ((long) v) << (8 * n - bits);
            byte[] b = new byte[n];
            for (int k = 0; k < n; k++) {
                b[k] = (byte) (shifted >> (8 * k)); // little-endian order
            }
            writeOrdered(out, b);
        }
        return out.toByteArray();
    }

    byte[] floats(double[] interleaved) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (double v : interleaved) {
            long bitsOf = bits == 64 ? Double.doubleToRawLongBits(v) : Float.floatToRawIntBits((float) v) & 0xFFFF_FFFFL;
            int n = bits / 8;
            byte[] b = new byte[n];
            for (int k = 0; k < n; k++) {
                b[k] = (byte) (bitsOf >> (8 * k));
            }
            writeOrdered(out, b);
        }
        return out.toByteArray();
    }

    private void writeOrdered(ByteArrayOutputStream out, byte[] littleEndian) {
        for (int k = 0; k < littleEndian.length; k++) {
            out.write(littleEndian[bigEndian ? littleEndian.length - 1 - k : k]);
        }
    }

    byte[] build() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(ascii("WAVE"));
        if (!omitFmt) {
            boolean ext = formatTag == EXTENSIBLE;
            ByteArrayOutputStream fmt = new ByteArrayOutputStream();
            u16(fmt, formatTag);
            u16(fmt, channels);
            u32(fmt, rate);
            int align = blockAlign >= 0 ? blockAlign : channels * containerBytes();
            u32(fmt, (long) rate * align);
            u16(fmt, align);
            u16(fmt, ext ? containerBytes() * 8 : bits);
            if (ext) {
                u16(fmt, 22);
                u16(fmt, validBits > 0 ? validBits : bits);
                u32(fmt, channels == 2 ? 3 : 4); // channel mask
                u32(fmt, subFormat);
                u16(fmt, 0x0000);
                u16(fmt, 0x0010);
                fmt.writeBytes(new byte[] {(byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71});
            }
            chunk(body, "fmt ", fmt.toByteArray(), fmt.size());
        }
        if (listChunkBytes > 0) {
            byte[] list = new byte[listChunkBytes];
            System.arraycopy(ascii("INFO"), 0, list, 0, Math.min(4, listChunkBytes));
            chunk(body, "LIST", list, list.length);
            if ((listChunkBytes & 1) != 0) {
                body.write(0);
            }
        }
        chunk(body, "data", data, declaredDataSize >= 0 ? declaredDataSize : data.length);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(ascii(bigEndian ? "RIFX" : "RIFF"));
        u32(file, body.size());
        file.writeBytes(body.toByteArray());
        return file.toByteArray();
    }

    private void chunk(ByteArrayOutputStream out, String id, byte[] content, long declared) {
        out.writeBytes(ascii(id));
        u32(out, declared);
        out.writeBytes(content);
    }

    private void u16(ByteArrayOutputStream out, int v) {
        writeOrdered(out, new byte[] {(byte) v, (byte) (v >> 8)});
    }

    private void u32(ByteArrayOutputStream out, long v) {
        writeOrdered(out, new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)});
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
