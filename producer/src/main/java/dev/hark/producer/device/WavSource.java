package dev.hark.producer.device;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

import dev.hark.audio.Audio;
import dev.hark.audio.Pcm16;
import dev.hark.audio.WavDecoder;

/**
 * A WAV file played as if spoken into a microphone: paced in real time, with half a second of quiet
 * room noise before it (someone switches the mic on, then speaks) and 1.5 s after it (they stop), so
 * the voice-activity segmenter hears it exactly as it would hear a person.
 */
public final class WavSource implements AudioSource {
    static final double LEAD_S = 0.5;
    static final double TAIL_S = 1.5;
    /** About -70 dBFS: a quiet room through a decent microphone. */
    static final double ROOM_NOISE_RMS = 0.0003;

    private final String name;
    private final int rate;
    private final short[] samples;
    private final int speechStart;
    private final int speechEnd;
    private final boolean realTime;
    private int position;
    private long startMs = -1;
    private long capturedAtMs;

    private WavSource(String name, int rate, short[] samples, int speechStart, int speechEnd, boolean realTime) {
        this.name = name;
        this.rate = rate;
        this.samples = samples;
        this.speechStart = speechStart;
        this.speechEnd = speechEnd;
        this.realTime = realTime;
    }

    public static WavSource open(Path file, boolean realTime) throws IOException {
        Audio audio = WavDecoder.decode(file);
        int rate = audio.sampleRate();
        int lead = (int) (LEAD_S * rate);
        int tail = (int) (TAIL_S * rate);
        float[] speech = audio.samples();
        short[] all = new short[lead + speech.length + tail];
        Random r = new Random(file.getFileName().toString().hashCode());
        for (int i = 0; i < all.length; i++) {
            double v = r.nextGaussian() * ROOM_NOISE_RMS * 32767;
            if (i >= lead && i < lead + speech.length) {
                v += Pcm16.toInt16(speech[i - lead]);
            }
            all[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(v)));
        }
        return new WavSource(file.getFileName().toString(), rate, all, lead, lead + speech.length, realTime);
    }

    @Override
    public int sampleRate() {
        return rate;
    }

    @Override
    public String describe() {
        return String.format(java.util.Locale.ROOT, "%s (%.2f s at %d Hz) played in real time", name,
                (speechEnd - speechStart) / (double) rate, rate);
    }

    @Override
    public int read(short[] buffer) throws IOException {
        if (position >= samples.length) {
            return -1;
        }
        if (startMs < 0) {
            startMs = System.currentTimeMillis();
        }
        int n = Math.min(buffer.length, samples.length - position);
        System.arraycopy(samples, position, buffer, 0, n);
        capturedAtMs = startMs + Math.round(position * 1000.0 / rate);
        position += n;
        if (realTime) {
            // a microphone hands over a buffer once its last sample has been captured
            long due = startMs + Math.round(position * 1000.0 / rate);
            long wait = due - System.currentTimeMillis();
            if (wait > 0) {
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }
        }
        return n;
    }

    @Override
    public long capturedAtMs() {
        return capturedAtMs;
    }

    @Override
    public void close() {
    }
}
