package dev.hark.producer.device;

import java.io.IOException;
import java.time.Duration;

import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.registry.SchemaRegistryClient;

/**
 * An edge device: reads its audio source a chunk at a time and offers each chunk to a
 * {@link ChunkSender}. Capture never waits for Kafka; when Kafka does not take the chunks the
 * device says so (how much audio it holds, how much it has dropped) through its listener.
 */
public final class LiveDevice implements AutoCloseable {

    /** What the device tells its user. */
    public interface Listener {
        /** Kafka stopped taking chunks: {@code heldMs} of audio is waiting, {@code droppedChunks} so far. */
        void onBuffering(long heldMs, long maxHeldMs, long droppedChunks, String why);

        /** Kafka takes chunks again. */
        void onRecovered(long droppedChunks);
    }

    /** How a session ended: chunks sent, acknowledged, dropped (buffer full) and lost (delivery failed). */
    public record Summary(String sessionId, long samples, int sampleRate, ChunkSender.Stats chunks) {
        public double seconds() {
            return samples / (double) sampleRate;
        }
    }

    private final DeviceStream stream;
    private final ChunkSender sender;
    private final int chunkMs;
    private final long maxHeldMs;
    private volatile boolean stopped;

    public LiveDevice(ClusterConfig cluster, SchemaRegistryClient registry, String deviceId, int sampleRate, int chunkMs,
                      Duration buffer) {
        this.stream = new DeviceStream(deviceId, sampleRate);
        this.chunkMs = chunkMs;
        ChunkSender.Settings settings = ChunkSender.Settings.forChunks(chunkMs, buffer);
        this.maxHeldMs = (long) (settings.maxQueued() + settings.maxInFlight()) * chunkMs;
        this.sender = new ChunkSender(cluster, registry, settings);
    }

    public String sessionId() {
        return stream.sessionId();
    }

    public String deviceId() {
        return stream.deviceId();
    }

    public ChunkSender.Stats stats() {
        return sender.stats();
    }

    /** Streams {@code source} until it ends or {@link #stop()}; then waits up to {@code drain} for Kafka. */
    public Summary run(AudioSource source, Listener listener, Duration drain) throws IOException, InterruptedException {
        short[] buffer = new short[Math.max(1, chunkMs * source.sampleRate() / 1000)];
        boolean buffering = false;
        long lastWarning = 0;
        long reportedDrops = 0;
        while (!stopped) {
            int n = source.read(buffer);
            if (n < 0) {
                break;
            }
            if (n > 0) {
                sender.offer(stream.next(buffer, 0, n, source.capturedAtMs()));
            }
            ChunkSender.Stats s = sender.stats();
            long held = s.waiting() * chunkMs;
            // a moment's queue is normal (the first chunks wait for metadata and the schema id)
            boolean behind = held >= Math.max(1_000, 5L * chunkMs) || (s.lastError() != null && s.waiting() > 0);
            long now = System.currentTimeMillis();
            // say so when it starts, every 2 s while it lasts, and at once when audio starts being dropped
            boolean newDrops = s.dropped() > reportedDrops && now - lastWarning >= 500;
            if (behind && (!buffering || now - lastWarning >= 2_000 || newDrops)) {
                buffering = true;
                lastWarning = now;
                reportedDrops = s.dropped();
                listener.onBuffering(held, maxHeldMs, s.dropped(), s.lastError());
            } else if (buffering && s.queued() == 0 && s.lastError() == null) {
                buffering = false;
                listener.onRecovered(s.dropped());
            }
        }
        sender.drain(drain);
        return new Summary(stream.sessionId(), stream.position(), source.sampleRate(), sender.stats());
    }

    public void stop() {
        stopped = true;
    }

    @Override
    public void close() {
        sender.close(Duration.ofSeconds(2));
    }
}
