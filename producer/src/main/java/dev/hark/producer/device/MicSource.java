package dev.hark.producer.device;

import java.io.IOException;

import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.Mixer;
import javax.sound.sampled.TargetDataLine;

/** The default microphone through Java Sound, as mono 16-bit little-endian PCM. */
public final class MicSource implements AudioSource {

    /** No capture device could be opened; the message says what was tried. */
    public static final class NoMicrophoneException extends IOException {
        public NoMicrophoneException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Rates tried in order: 16 kHz is plenty for digits (features use 8 kHz); the others are what most devices offer. */
    static final float[] RATES = {16_000f, 48_000f, 44_100f, 8_000f};

    private final TargetDataLine line;
    private final int rate;
    private byte[] bytes = new byte[0];
    private long capturedAtMs;

    private MicSource(TargetDataLine line, int rate) {
        this.line = line;
        this.rate = rate;
    }

    public static MicSource open(int preferredRate) throws NoMicrophoneException {
        if (AudioSystem.getMixerInfo().length == 0) {
            throw new NoMicrophoneException("no microphone: Java Sound sees no audio devices on this machine", null);
        }
        Exception last = null;
        float[] rates = preferredRate > 0 ? prepend(preferredRate) : RATES;
        for (float r : rates) {
            AudioFormat format = new AudioFormat(r, 16, 1, true, false);
            DataLine.Info info = new DataLine.Info(TargetDataLine.class, format);
            if (!AudioSystem.isLineSupported(info)) {
                continue;
            }
            try {
                TargetDataLine line = (TargetDataLine) AudioSystem.getLine(info);
                line.open(format);
                line.start();
                return new MicSource(line, (int) r);
            } catch (LineUnavailableException | IllegalArgumentException | SecurityException e) {
                last = e;
            }
        }
        StringBuilder mixers = new StringBuilder();
        for (Mixer.Info m : AudioSystem.getMixerInfo()) {
            mixers.append(mixers.length() == 0 ? "" : ", ").append(m.getName());
        }
        throw new NoMicrophoneException("no microphone: Java Sound could not open a mono 16-bit capture line at "
                + java.util.Arrays.toString(rates) + " Hz" + (last != null ? " (" + last.getMessage() + ")" : "")
                + "; audio devices seen: " + (mixers.length() == 0 ? "none" : mixers), last);
    }

    private static float[] prepend(int rate) {
        float[] out = new float[RATES.length + 1];
        out[0] = rate;
        System.arraycopy(RATES, 0, out, 1, RATES.length);
        return out;
    }

    @Override
    public int sampleRate() {
        return rate;
    }

    @Override
    public String describe() {
        return "microphone '" + line.getLineInfo() + "' at " + rate + " Hz";
    }

    @Override
    public int read(short[] buffer) {
        if (bytes.length != buffer.length * 2) {
            bytes = new byte[buffer.length * 2];
        }
        int got = 0;
        while (got < bytes.length) {
            int n = line.read(bytes, got, bytes.length - got);
            if (n <= 0) {
                if (!line.isOpen()) {
                    return got == 0 ? -1 : got / 2;
                }
                continue;
            }
            got += n;
        }
        capturedAtMs = System.currentTimeMillis() - Math.round(buffer.length * 1000.0 / rate);
        for (int i = 0; i < buffer.length; i++) {
            buffer[i] = (short) ((bytes[2 * i] & 0xff) | (bytes[2 * i + 1] << 8));
        }
        return buffer.length;
    }

    @Override
    public long capturedAtMs() {
        return capturedAtMs;
    }

    @Override
    public void close() {
        line.stop();
        line.close();
    }
}
