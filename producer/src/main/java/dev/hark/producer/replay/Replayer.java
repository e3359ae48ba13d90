package dev.hark.producer.replay;

import dev.hark.avro.AudioClip;
import dev.hark.audio.Audio;
import dev.hark.audio.Pcm16;
import dev.hark.audio.WavDecoder;
import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroSerializer;
import dev.hark.telemetry.HarkMeters;
import dev.hark.telemetry.Metrics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Publishes a dataset folder's recordings as {@link AudioClip}s: to {@code audio.clips.labeled} for
 * training, to {@code audio.clips} to be classified (label kept, for online accuracy), or both. The
 * clip id is {@code replay:} + the file's path in the dataset, so publishing a folder twice is
 * recognised downstream. Idempotent producer, acks from every replica. A file that cannot be decoded
 * or sent is counted with its reason and never stops the rest.
 */
public final class Replayer implements AutoCloseable {

    public enum Target {
        LABELED, CLASSIFY, BOTH;

        boolean labeled() {
            return this != CLASSIFY;
        }

        boolean classify() {
            return this != LABELED;
        }
    }

    public record Failure(String file, String reason) {}

    /** {@code published} counts files (a file sent to both topics counts once). */
    public record Summary(int files, int published, List<Failure> failures, double seconds) {}

    private final KafkaProducer<String, AudioClip> producer;
    /** The producer's own metrics, in the process-wide registry ({@code /metrics}) until close. */
    private final Metrics.Handle producerMeters;

    public Replayer(ClusterConfig cluster, SchemaRegistryClient registry) {
        Properties p = dev.hark.producer.ReliableProducer.properties(cluster, 10);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        producer = new KafkaProducer<>(p, new StringSerializer(), new AvroSerializer<>(registry));
        producerMeters = Metrics.global().kafka(producer);
    }

    public static String clipId(DatasetFiles.Entry e) {
        return "replay:" + e.name().replace('\\', '/');
    }

    /**
     * @param clipsPerSecond pace (0 = as fast as the broker takes them)
     * @param limit          at most this many files (0 = all)
     * @param progress       files done so far
     */
    public Summary replay(DatasetFiles files, Target target, double clipsPerSecond, int limit, IntConsumer progress) {
        long start = System.nanoTime();
        List<DatasetFiles.Entry> entries = limit > 0 && limit < files.entries().size()
                ? files.entries().subList(0, limit) : files.entries();
        List<Failure> failures = Collections.synchronizedList(new ArrayList<>());
        files.failures().forEach(f -> failures.add(new Failure(f.name(), f.reason())));
        AtomicInteger sent = new AtomicInteger();
        int done = 0;
        for (DatasetFiles.Entry e : entries) {
            if (clipsPerSecond > 0) {
                long due = start + (long) (done / clipsPerSecond * 1e9);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            Audio audio;
            try {
                audio = WavDecoder.decode(e.file());
            } catch (Exception ex) {
                failures.add(new Failure(e.name(), ex.getMessage()));
                progress.accept(++done);
                continue;
            }
            if (audio.sampleRate() > dev.hark.schemas.input.InputLimits.MAX_RATE) {
                // Kafka takes audio up to 48 kHz; the features are computed far below that anyway
                audio = dev.hark.audio.Resampler.toRate(audio, dev.hark.schemas.input.InputLimits.MAX_RATE);
            }
            Instant now = Instant.now();
            AudioClip clip = AudioClip.newBuilder()
                    .setClipId(clipId(e))
                    .setSource(e.name())
                    .setSampleRate(audio.sampleRate())
                    .setPcm(ByteBuffer.wrap(Pcm16.fromFloats(audio.samples())))
                    .setLabel(e.label())
                    .setSpeaker(e.speaker())
                    .setCapturedAtMs(now)
                    .setClipCreatedAtMs(now)
                    .build();
            // the stages' own check, before sending: a file they would refuse is reported here, not dead-lettered
            var problem = target.labeled() ? dev.hark.schemas.input.InputChecks.labeledClip(clip)
                    : dev.hark.schemas.input.InputChecks.clip(clip);
            if (problem.isPresent()) {
                failures.add(new Failure(e.name(), "not sent: " + problem.get()));
                progress.accept(++done);
                continue;
            }
            int topics = (target.labeled() ? 1 : 0) + (target.classify() ? 1 : 0);
            AtomicInteger acked = new AtomicInteger();
            AtomicInteger failedOnce = new AtomicInteger();
            org.apache.kafka.clients.producer.Callback cb = (md, ex) -> {
                if (ex != null) {
                    if (failedOnce.getAndIncrement() == 0) {
                        failures.add(new Failure(e.name(), "not sent: " + ex.getMessage()));
                    }
                } else {
                    HarkMeters.RECORDS_PUBLISHED.inc(md.topic());
                }
                if (ex == null && acked.incrementAndGet() == topics) {
                    sent.incrementAndGet();
                }
            };
            try {
                if (target.labeled()) {
                    producer.send(new ProducerRecord<>(Topics.AUDIO_CLIPS_LABELED.name(), clip.getClipId(), clip), cb);
                }
                if (target.classify()) {
                    producer.send(new ProducerRecord<>(Topics.AUDIO_CLIPS.name(), clip.getClipId(), clip), cb);
                }
            } catch (RuntimeException ex) {
                failures.add(new Failure(e.name(), "not sent: " + ex.getMessage()));
            }
            progress.accept(++done);
        }
        producer.flush();
        return new Summary(files.size(), sent.get(), List.copyOf(failures), (System.nanoTime() - start) / 1e9);
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(30));
        } finally {
            producerMeters.close();
        }
    }
}
