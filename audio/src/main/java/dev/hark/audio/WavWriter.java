package dev.hark.audio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes canonical 44-byte-header, 16-bit mono PCM WAV files: what FSDD ships and every tool reads. */
public final class WavWriter {

    private WavWriter() {
    }

    public static void write(Path file, float[] samples, int sampleRate) throws IOException {
        Files.write(file, toBytes(samples, sampleRate));
    }

    public static void write(Path file, Audio audio) throws IOException {
        write(file, audio.samples(), audio.sampleRate());
    }

    /** The whole file as bytes; samples are clipped to [-1, 1] and rounded as {@link Pcm16#fromFloats}. */
    public static byte[] toBytes(float[] samples, int sampleRate) {
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        }
        long dataBytes = 2L * samples.length;
        if (dataBytes + 36 > 0xFFFF_FFFFL || dataBytes + 44 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many samples for a WAV file: " + samples.length);
        }
        byte[] pcm = Pcm16.fromFloats(samples);
        byte[] out = new byte[44 + pcm.length];
        ascii(out, 0, "RIFF");
        le32(out, 4, 36 + pcm.length);
        ascii(out, 8, "WAVE");
        ascii(out, 12, "fmt ");
        le32(out, 16, 16);
        le16(out, 20, 1); // WAVE_FORMAT_PCM
        le16(out, 22, 1); // channels
        le32(out, 24, sampleRate);
        le32(out, 28, sampleRate * 2); // byte rate
        le16(out, 32, 2); // block align
        le16(out, 34, 16); // bits per sample
        ascii(out, 36, "data");
        le32(out, 40, pcm.length);
        System.arraycopy(pcm, 0, out, 44, pcm.length);
        return out;
    }

    private static void ascii(byte[] b, int at, String s) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) s.charAt(i);
        }
    }

    private static void le16(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >> 8);
    }

    private static void le32(byte[] b, int at, int v) {
        le16(b, at, v);
        le16(b, at + 2, v >> 16);
    }
}
