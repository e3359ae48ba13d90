package dev.hark.producer.device;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.avro.Prediction;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;

/**
 * What became of devices' audio: follows {@code audio.predictions} and {@code audio.dlq} (and
 * optionally {@code audio.clips}) from their ends at construction, and reports every record that
 * belongs to a watched device, with the device sample range it covers. No consumer group: nothing
 * is committed, and any number of devices can watch at once.
 */
public final class OutcomeWatcher implements AutoCloseable {

    public enum Kind { CLIP, PREDICTION, DEAD_LETTER }

    /**
     * One record about a device's audio. {@code startSample}/{@code endSample} are -1 when the record
     * does not say (a dead letter whose original bytes do not decode).
     */
    public record Outcome(Kind kind, String deviceId, String sessionId, long startSample, long endSample, String clipId,
                          int digit, float confidence, int modelVersion, long capturedAtMs, long clipCreatedAtMs,
                          long predictedAtMs, String stage, String reason, String message, long receivedAtMs) {
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AvroDeserializer<Prediction> predictions;
    private final AvroDeserializer<DeadLetter> deadLetters;
    private final AvroDeserializer<AudioClip> clips;
    private final AvroDeserializer<GenericRecord> anything;
    private final Predicate<String> devices;
    private final Consumer<Outcome> listener;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param devices  which device ids to report
     * @param withClips also report the clips the feature stream cut ({@code audio.clips} carries audio: heavier)
     * @param listener called on the watcher's thread
     */
    public OutcomeWatcher(ClusterConfig cluster, SchemaRegistryClient registry, Predicate<String> devices,
                          boolean withClips, Consumer<Outcome> listener) {
        this.devices = devices;
        this.listener = listener;
        predictions = AvroDeserializer.specific(registry, Prediction.class);
        deadLetters = AvroDeserializer.specific(registry, DeadLetter.class);
        clips = AvroDeserializer.specific(registry, AudioClip.class);
        anything = AvroDeserializer.generic(registry, null);
        Properties p = cluster.clientProperties();
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        List<String> topics = new ArrayList<>(List.of(Topics.AUDIO_PREDICTIONS.name(), Topics.AUDIO_DLQ.name()));
        if (withClips) {
            topics.add(Topics.AUDIO_CLIPS.name());
        }
        for (String topic : topics) {
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        // seekToEnd is lazy: fix the start now, before any audio is sent
        partitions.forEach(tp -> consumer.position(tp, Duration.ofSeconds(30)));
        thread = new Thread(this::run, "hark-outcome-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    Outcome o;
                    try {
                        o = decode(r);
                    } catch (RuntimeException e) {
                        // not this watcher's to dead-letter: it only observes, the stages own the records
                        continue;
                    }
                    if (o != null && o.deviceId() != null && devices.test(o.deviceId())) {
                        listener.accept(o);
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private Outcome decode(ConsumerRecord<byte[], byte[]> r) {
        long now = System.currentTimeMillis();
        if (r.value() == null) {
            return null;
        }
        if (r.topic().equals(Topics.AUDIO_PREDICTIONS.name())) {
            Prediction p = predictions.deserialize(r.topic(), r.value());
            return new Outcome(Kind.PREDICTION, p.getDeviceId(), p.getSessionId(), orMinus(p.getStartSample()),
                    orMinus(p.getEndSample()), p.getClipId(), p.getDigit(), p.getConfidence(), p.getModelVersion(),
                    p.getCapturedAtMs().toEpochMilli(), p.getClipCreatedAtMs().toEpochMilli(),
                    p.getPredictedAtMs().toEpochMilli(), null, null, null, now);
        }
        if (r.topic().equals(Topics.AUDIO_CLIPS.name())) {
            AudioClip c = clips.deserialize(r.topic(), r.value());
            return new Outcome(Kind.CLIP, c.getDeviceId(), c.getSessionId(), orMinus(c.getStartSample()),
                    orMinus(c.getEndSample()), c.getClipId(), -1, 0f, -1, c.getCapturedAtMs().toEpochMilli(),
                    c.getClipCreatedAtMs().toEpochMilli(), -1, null, null, null, now);
        }
        DeadLetter d = deadLetters.deserialize(r.topic(), r.value());
        String session = null;
        long start = -1;
        long end = -1;
        if (d.getOriginalValue() != null && d.getTopic() != null) {
            try {
                GenericRecord original = anything.deserialize(d.getTopic(), bytes(d.getOriginalValue()));
                session = field(original, "sessionId");
                Object s = original.hasField("startSample") ? original.get("startSample") : null;
                if (s instanceof Long l) {
                    start = l;
                    Object e = original.hasField("endSample") ? original.get("endSample") : null;
                    if (e instanceof Long el) {
                        end = el;
                    } else if (original.hasField("pcm") && original.get("pcm") instanceof ByteBuffer pcm) {
                        end = start + pcm.remaining() / 2;
                    }
                }
            } catch (RuntimeException e) {
                // the original bytes are what could not be read in the first place: no range then
            }
        }
        return new Outcome(Kind.DEAD_LETTER, d.getDeviceId(), session, start, end, d.getClipId(), -1, 0f, -1, -1, -1, -1,
                d.getStage(), d.getReason(), d.getMessage(), now);
    }

    private static String field(GenericRecord r, String name) {
        Object v = r.hasField(name) ? r.get(name) : null;
        return v == null ? null : v.toString();
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    private static long orMinus(Long v) {
        return v == null ? -1 : v;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
