package dev.hark.launcher.faults;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.hark.avro.AudioClip;
import dev.hark.audio.Audio;
import dev.hark.audio.Pcm16;
import dev.hark.audio.WavDecoder;
import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.producer.ReliableProducer;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;

/**
 * Replays labeled FSDD recordings to {@code audio.clips} at a steady pace, as {@code hark replay}
 * does (one {@link AudioClip} each, label and speaker kept), from a thread of its own, with a
 * garbage record (not Avro) every {@code garbageEvery} inputs: those must come back as dead letters.
 * Every input has a key of its own starting with the scenario's prefix. Idempotent producer, acks
 * from every in-sync replica, two minutes of delivery timeout: a broker going away must not lose
 * or duplicate an input.
 */
final class ClipFeeder implements AutoCloseable {

    /** A decoded recording, ready to send. */
    record Clip(String name, int label, String speaker, int sampleRate, byte[] pcm) {
    }

    private final List<Clip> clips;
    private final KafkaProducer<String, byte[]> producer;
    private final Serializer<AudioClip> serializer;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger attempted = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    private String prefix;
    private int garbageEvery;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private Thread thread;

    ClipFeeder(ClusterConfig cluster, SchemaRegistryClient registry, List<Clip> clips) {
        this.clips = clips;
        Properties p = ReliableProducer.properties(cluster, 5);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        serializer = Topics.AUDIO_CLIPS.valueSerde(registry).serializer();
    }

    /** The first {@code count} recordings of {@code fsdd} (sorted by name), decoded. */
    static List<Clip> load(Path fsdd, int count) throws Exception {
        List<Clip> out = new ArrayList<>();
        List<DatasetFiles.Entry> entries = new ArrayList<>(DatasetFiles.list(fsdd).entries());
        entries.sort(java.util.Comparator.comparing(DatasetFiles.Entry::name));
        // every digit and speaker early on: take every k-th file
        int step = Math.max(1, entries.size() / Math.max(1, count));
        for (int i = 0; i < entries.size() && out.size() < count; i += step) {
            DatasetFiles.Entry e = entries.get(i);
            Audio audio = WavDecoder.decode(e.file());
            out.add(new Clip(e.name(), e.label(), e.speaker(), audio.sampleRate(), Pcm16.fromFloats(audio.samples())));
        }
        return out;
    }

    /** The keys {@link #start} will send: {@code prefix + i} for clips, {@code prefix + "garbage-" + i} for garbage. */
    static Set<String> keys(String prefix, int inputs, int garbageEvery) {
        Set<String> keys = new LinkedHashSet<>();
        for (int i = 0; i < inputs; i++) {
            keys.add(key(prefix, i, garbageEvery));
        }
        return keys;
    }

    private static String key(String prefix, int i, int garbageEvery) {
        return garbageEvery > 0 && i % garbageEvery == garbageEvery - 1 ? prefix + "garbage-" + i : prefix + i;
    }

    /**
     * Sends {@code inputs} records (or fewer, when {@link #stop()} comes first) at {@code perSecond},
     * from a new thread; returns at once.
     */
    ClipFeeder start(String prefix, int inputs, double perSecond, int garbageEvery) {
        this.prefix = prefix;
        this.garbageEvery = garbageEvery;
        thread = new Thread(() -> {
            try {
                long t0 = System.nanoTime();
                for (int i = 0; i < inputs && !stop.get(); i++) {
                    long due = t0 + (long) (i / perSecond * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    String key = key(prefix, i, garbageEvery);
                    byte[] value;
                    if (key.contains("garbage-")) {
                        value = ("not avro " + i).getBytes(StandardCharsets.UTF_8);
                    } else {
                        Clip c = clips.get(i % clips.size());
                        Instant now = Instant.now();
                        value = serializer.serialize(Topics.AUDIO_CLIPS.name(), AudioClip.newBuilder().setClipId(key)
                                .setSource(c.name()).setSampleRate(c.sampleRate()).setPcm(ByteBuffer.wrap(c.pcm()))
                                .setLabel(c.label()).setSpeaker(c.speaker()).setCapturedAtMs(now).setClipCreatedAtMs(now)
                                .build());
                    }
                    attempted.incrementAndGet();
                    producer.send(new ProducerRecord<>(Topics.AUDIO_CLIPS.name(), key, value), (md, ex) -> {
                        if (ex != null) {
                            failure.compareAndSet(null, ex);
                        } else {
                            sent.incrementAndGet();
                        }
                    });
                }
                producer.flush();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "clip-feeder-" + prefix);
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Sends no more inputs (those already handed to the producer are still delivered). */
    void stop() {
        stop.set(true);
    }

    /** The keys of every input handed to the producer so far. */
    Set<String> keysSent() {
        return keys(prefix, attempted.get(), garbageEvery);
    }

    /** Acknowledged sends so far. */
    int sent() {
        return sent.get();
    }

    /** Waits until every send is acknowledged (or failed); throws on a failed send. */
    void await(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        if (thread.isAlive()) {
            throw new IllegalStateException("the feeder has not finished within " + timeout + " (" + sent() + " acknowledged)");
        }
        if (failure.get() != null) {
            throw new IllegalStateException("sending an input failed: " + failure.get(), failure.get());
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
