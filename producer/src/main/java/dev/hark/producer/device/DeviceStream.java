package dev.hark.producer.device;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.UUID;

import dev.hark.avro.AudioChunk;

/**
 * One edge device's audio session as {@link AudioChunk}s: a fresh session id, sequence numbers and
 * start samples counted from the session's first sample, so the feature stream can put chunks back
 * in order, notice gaps of exact length, and tell which samples a clip covers.
 */
public final class DeviceStream {
    private final String deviceId;
    private final String sessionId;
    private final int sampleRate;
    private long sequence;
    private long nextSample;

    public DeviceStream(String deviceId, int sampleRate) {
        this(deviceId, UUID.randomUUID().toString(), sampleRate);
    }

    public DeviceStream(String deviceId, String sessionId, int sampleRate) {
        if (deviceId == null || deviceId.isBlank()) {
            throw new IllegalArgumentException("a device needs an id");
        }
        this.deviceId = deviceId;
        this.sessionId = sessionId;
        this.sampleRate = sampleRate;
    }

    public String deviceId() {
        return deviceId;
    }

    public String sessionId() {
        return sessionId;
    }

    public int sampleRate() {
        return sampleRate;
    }

    /** Index of the next sample in the session: where the next chunk starts. */
    public long position() {
        return nextSample;
    }

    /**
     * The next chunk: {@code samples[from, from+length)}, whose first sample was captured at
     * {@code capturedAtMs} (wall clock).
     */
    public AudioChunk next(short[] samples, int from, int length, long capturedAtMs) {
        ByteBuffer pcm = ByteBuffer.allocate(length * 2).order(ByteOrder.LITTLE_ENDIAN);
        pcm.asShortBuffer().put(samples, from, length);
        AudioChunk chunk = AudioChunk.newBuilder()
                .setDeviceId(deviceId)
                .setSessionId(sessionId)
                .setSequence(sequence++)
                .setStartSample(nextSample)
                .setSampleRate(sampleRate)
                .setPcm(pcm)
                .setCapturedAtMs(Instant.ofEpochMilli(capturedAtMs))
                .setSentAtMs(Instant.now())
                .build();
        nextSample += length;
        return chunk;
    }

    /** Wall-clock time of sample {@code sample} for a session whose sample 0 was captured at {@code t0Ms}. */
    public static long timeOfSample(long t0Ms, long sample, int rate) {
        return t0Ms + Math.round(sample * 1000.0 / rate);
    }
}
