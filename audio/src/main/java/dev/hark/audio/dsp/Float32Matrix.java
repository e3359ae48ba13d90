package dev.hark.audio.dsp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Feature matrices as they travel in Avro {@code bytes}: float32 little-endian, row-major
 * {@code [mel][frame]} — no boxing, a quarter of the size of JSON.
 */
public final class Float32Matrix {

    private Float32Matrix() {
    }

    public static byte[] toBytes(float[][] m) {
        int rows = m.length;
        int cols = rows == 0 ? 0 : m[0].length;
        ByteBuffer out = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : m) {
            if (row.length != cols) {
                throw new IllegalArgumentException("ragged matrix: rows of " + cols + " and " + row.length);
            }
            out.asFloatBuffer().put(row);
            out.position(out.position() + 4 * cols);
        }
        return out.array();
    }

    /** Reads {@code rows × cols} floats from the buffer's position without moving it. */
    public static float[][] fromBytes(ByteBuffer bytes, int rows, int cols) {
        long need = 4L * rows * cols;
        if (bytes.remaining() != need) {
            throw new IllegalArgumentException("a " + rows + "x" + cols + " float32 matrix is " + need
                    + " bytes, got " + bytes.remaining());
        }
        ByteBuffer in = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[][] m = new float[rows][cols];
        for (float[] row : m) {
            in.asFloatBuffer().get(row);
            in.position(in.position() + 4 * cols);
        }
        return m;
    }
}
