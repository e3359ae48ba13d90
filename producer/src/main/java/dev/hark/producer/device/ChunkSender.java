package dev.hark.producer.device;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.hark.avro.AudioChunk;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroSerializer;

/**
 * Sends edge devices' chunks to {@code audio.chunks} without ever blocking the capture. The capture
 * thread only {@link #offer}s; a sender thread hands chunks to Kafka with at most
 * {@code maxInFlight} unacknowledged. When the broker (or the registry) does not answer, chunks wait
 * in a bounded queue; once it is full the oldest are dropped and counted — live audio that old is
 * worth less than what is being said now.
 */
public final class ChunkSender implements AutoCloseable {

    /**
     * @param maxQueued   chunks held while Kafka does not take them (e.g. 30 s of 100 ms chunks = 300)
     * @param maxInFlight chunks handed to the Kafka producer and not yet acknowledged
     * @param deliveryTimeout how long the Kafka producer keeps trying one chunk before it is lost
     */
    public record Settings(int maxQueued, int maxInFlight, Duration deliveryTimeout) {
        public static Settings forChunks(int chunkMs, Duration buffer) {
            int chunks = (int) Math.max(10, buffer.toMillis() / Math.max(1, chunkMs));
            return new Settings(chunks, Math.max(10, chunks / 4), Duration.ofSeconds(30));
        }
    }

    /** A snapshot: everything offered ends up acknowledged, dropped, lost, or still waiting. */
    public record Stats(long offered, long acknowledged, long dropped, long lost, int queued, int inFlight,
                        String lastError, String lossReason) {
        public long waiting() {
            return queued + inFlight;
        }
    }

    private static final AtomicLong SENDERS = new AtomicLong();
    private final Settings settings;
    private final KafkaProducer<String, AudioChunk> producer;
    private final ArrayDeque<AudioChunk> queue = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition nonEmpty = lock.newCondition();
    private final Semaphore inFlight;
    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private volatile String lastError;
    /** Why the last chunk that Kafka failed to take was lost (kept after later successes). */
    private volatile String lossReason;
    private volatile boolean closing;
    private volatile boolean closed;
    private final Thread sender;

    public ChunkSender(ClusterConfig cluster, SchemaRegistryClient registry, Settings settings) {
        this.settings = settings;
        this.inFlight = new Semaphore(settings.maxInFlight());
        Properties p = dev.hark.producer.ReliableProducer.properties(cluster, 5);
        // send() must give the chunk back quickly when there is no broker: the sender thread then
        // keeps it queued (bounded) instead of hanging inside the client.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(settings.deliveryTimeout().toMillis() / 2, 30_000));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) settings.deliveryTimeout().toMillis());
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        // named, so its network thread can be told apart (hark bench's CPU per service)
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "hark-chunk-sender-" + SENDERS.incrementAndGet());
        producer = new KafkaProducer<>(p, new StringSerializer(), new AvroSerializer<>(registry));
        sender = new Thread(this::sendLoop, "hark-chunk-sender");
        sender.setDaemon(true);
        sender.start();
    }

    /** Never blocks: queues the chunk, dropping the oldest queued one when the queue is full. */
    public void offer(AudioChunk chunk) {
        offered.incrementAndGet();
        lock.lock();
        try {
            if (queue.size() >= settings.maxQueued()) {
                queue.pollFirst();
                dropped.incrementAndGet();
            }
            queue.addLast(chunk);
            nonEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    public Stats stats() {
        int queued;
        lock.lock();
        try {
            queued = queue.size();
        } finally {
            lock.unlock();
        }
        return new Stats(offered.get(), acknowledged.get(), dropped.get(), lost.get(), queued,
                settings.maxInFlight() - inFlight.availablePermits(), lastError, lossReason);
    }

    /** The oldest chunk still waiting to be handed to Kafka, if any: how far behind the device is. */
    public java.util.Optional<AudioChunk> oldestQueued() {
        lock.lock();
        try {
            return java.util.Optional.ofNullable(queue.peekFirst());
        } finally {
            lock.unlock();
        }
    }

    /** Whether Kafka is keeping up: nothing queued beyond a moment's worth and no recent error. */
    public boolean healthy() {
        Stats s = stats();
        return s.queued() < Math.max(2, settings.maxQueued() / 10) && lastError == null;
    }

    /** Waits until every offered chunk is acknowledged, dropped or lost, or the timeout passes. */
    public boolean drain(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Stats s = stats();
            if (s.waiting() == 0 && s.acknowledged() + s.dropped() + s.lost() == s.offered()) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    private void sendLoop() {
        while (true) {
            AudioChunk chunk;
            lock.lock();
            try {
                while (queue.isEmpty()) {
                    if (closing) {
                        return;
                    }
                    nonEmpty.await(100, TimeUnit.MILLISECONDS);
                }
                chunk = queue.peekFirst();
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            try {
                if (!inFlight.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                    continue; // Kafka is not acknowledging: the chunk stays queued (and may be dropped as oldest)
                }
            } catch (InterruptedException e) {
                return;
            }
            lock.lock();
            try {
                // the capture may have dropped it meanwhile; send whatever is oldest now
                chunk = queue.pollFirst();
            } finally {
                lock.unlock();
            }
            if (chunk == null) {
                inFlight.release();
                continue;
            }
            try {
                // Known metadata first: without it, this client reports the chunk as failed through the
                // callback after max.block.ms, although it was never sent; here it stays queued instead.
                producer.partitionsFor(Topics.AUDIO_CHUNKS.name());
                producer.send(new ProducerRecord<>(Topics.AUDIO_CHUNKS.name(), chunk.getDeviceId(), chunk), (md, e) -> {
                    inFlight.release();
                    if (e == null) {
                        acknowledged.incrementAndGet();
                        lastError = null;
                    } else {
                        lost.incrementAndGet();
                        lastError = e.getMessage();
                        lossReason = e.getClass().getSimpleName() + ": " + e.getMessage();
                    }
                });
            } catch (RuntimeException e) {
                // No metadata within max.block.ms, or the registry is down: put it back and wait.
                inFlight.release();
                lastError = e.getMessage();
                lock.lock();
                try {
                    if (queue.size() >= settings.maxQueued()) {
                        dropped.incrementAndGet(); // it was the oldest
                    } else {
                        queue.addFirst(chunk);
                    }
                } finally {
                    lock.unlock();
                }
                if (closing) {
                    return;
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Stops taking chunks after those queued are sent (or {@code timeout} passes), then closes Kafka. */
    public void close(Duration timeout) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            drain(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closing = true;
        try {
            sender.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
