package dev.hark.audio;

import java.nio.ByteBuffer;

/**
 * Little-endian signed 16-bit PCM, the encoding audio has on Kafka, to and from floats.
 * The scale is 1/32768 both ways (what numpy's {@code int16 / 32768} and torchaudio's loader do), so
 * {@code fromFloats(toFloats(b))} returns {@code b} exactly.
 */
public final class Pcm16 {

    private static final float SCALE = 1f / 32768f;

    private Pcm16() {
    }

    /** Decodes all of {@code pcm}; its length must be even (a sample is two bytes). */
    public static float[] toFloats(byte[] pcm) {
        return toFloats(pcm, 0, pcm.length);
    }

    /** Decodes {@code length} bytes of {@code pcm} from {@code offset}. */
    public static float[] toFloats(byte[] pcm, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > pcm.length) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " of " + pcm.length + " bytes");
        }
        if ((length & 1) != 0) {
            throw new IllegalArgumentException("16-bit PCM needs an even number of bytes, got " + length);
        }
        float[] out = new float[length >> 1];
        for (int i = 0; i < out.length; i++) {
            out[i] = (short) WavDecoder.INT16_LE.get(pcm, offset + 2 * i) * SCALE;
        }
        return out;
    }

    /**
     * Decodes the buffer's remaining bytes as little-endian whatever the buffer's own byte order, without
     * moving its position (Avro hands out buffers that other code may read again).
     */
    public static float[] toFloats(ByteBuffer pcm) {
        int length = pcm.remaining();
        if (pcm.hasArray()) {
            return toFloats(pcm.array(), pcm.arrayOffset() + pcm.position(), length);
        }
        if ((length & 1) != 0) {
            throw new IllegalArgumentException("16-bit PCM needs an even number of bytes, got " + length);
        }
        float[] out = new float[length >> 1];
        int p = pcm.position();
        for (int i = 0; i < out.length; i++, p += 2) {
            out[i] = (short) ((pcm.get(p) & 0xff) | (pcm.get(p + 1) << 8)) * SCALE;
        }
        return out;
    }

    /** Encodes floats in [-1, 1]; values outside are clipped, NaN becomes 0. */
    public static byte[] fromFloats(float[] samples) {
        byte[] out = new byte[samples.length * 2];
        for (int i = 0, p = 0; i < samples.length; i++, p += 2) {
            int v = toInt16(samples[i]);
            out[p] = (byte) v;
            out[p + 1] = (byte) (v >> 8);
        }
        return out;
    }

    /** One sample to int16 with rounding and clipping (1.0 becomes 32767, -1.0 becomes -32768). */
    public static int toInt16(float sample) {
        // Math.round(NaN) is 0, which is what we want for garbage input
        int v = Math.round(sample * 32768f);
        return Math.max(-32768, Math.min(32767, v));
    }
}
