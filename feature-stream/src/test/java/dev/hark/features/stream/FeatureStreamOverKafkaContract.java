package dev.hark.features.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hark.avro.AudioChunk;
import dev.hark.avro.AudioClip;
import dev.hark.avro.LogMelFeatures;
import dev.hark.features.segment.DeviceAudio;
import dev.hark.features.segment.SegmentationCheck;
import dev.hark.audio.segment.Utterance;
import dev.hark.testing.HarkInfra;
import dev.hark.testing.SharedData;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.TopicAdmin;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.telemetry.Metrics;

/**
 * The feature stream on a real broker: 20 real recordings, separated by 300–800 ms of low noise and
 * sent as 20–100 ms chunks, come out as exactly 20 clips, each holding its recording, and 20 feature
 * records; meanwhile the service's Kafka Streams metrics are in the process's registry. Runs on the
 * embedded cluster and, where Docker exists, on containers.
 */
abstract class FeatureStreamOverKafkaContract {

    protected abstract HarkInfra infra();

    @Test
    void twentyRecordingsSentAsChunksComeBackAsTwentyClips(@TempDir Path stateDir) throws Exception {
        Path fsdd = SharedData.requireFsdd();
        List<Path> all = SegmentationCheck.recordings(fsdd);
        List<Path> twenty = new ArrayList<>();
        for (int i = 0; i < 20; i++) { // every digit twice, speakers and takes spread out
            twenty.add(all.get((i * 125 + 37) % all.size()));
        }
        SegmentationCheck.Scene scene = SegmentationCheck.scene(twenty, 8000, 11, SegmentationCheck.LOW_NOISE_RMS);
        String device = "it-device-" + UUID.randomUUID();
        ClusterConfig cluster = new ClusterConfig(infra().bootstrapServers(), infra().registryUrl());
        TopicAdmin.ensureTopics(cluster.bootstrapServers(), 3);
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());

        Properties overrides = new Properties();
        overrides.put(StreamsConfig.APPLICATION_ID_CONFIG, "feature-stream-it-" + UUID.randomUUID());
        try (FeatureStreamService service = new FeatureStreamService(cluster, FeatureStreamTopology.Settings.defaults(),
                stateDir, overrides)) {
            service.start();
            sendAsChunks(cluster, registry, device, scene);

            Map<String, AudioClip> clips = new HashMap<>();
            Map<String, LogMelFeatures> features = new HashMap<>();
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
            props.put(ConsumerConfig.GROUP_ID_CONFIG, "check-" + UUID.randomUUID());
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props,
                    new org.apache.kafka.common.serialization.StringDeserializer(),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
                consumer.subscribe(List.of(Topics.AUDIO_CLIPS.name(), Topics.AUDIO_FEATURES.name()));
                var clipSerde = Topics.AUDIO_CLIPS.valueSerde(registry).deserializer();
                var featureSerde = Topics.AUDIO_FEATURES.valueSerde(registry).deserializer();
                long deadline = System.currentTimeMillis() + 120_000;
                long settleUntil = Long.MAX_VALUE;
                while (System.currentTimeMillis() < Math.min(deadline, settleUntil)) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(300))) {
                        if (r.topic().equals(Topics.AUDIO_CLIPS.name())) {
                            AudioClip c = clipSerde.deserialize(r.topic(), r.value());
                            if (device.equals(c.getDeviceId())) {
                                clips.put(c.getClipId(), c);
                            }
                        } else {
                            LogMelFeatures f = featureSerde.deserialize(r.topic(), r.value());
                            if (device.equals(f.getDeviceId())) {
                                features.put(f.getClipId(), f);
                            }
                        }
                    }
                    if (clips.size() >= 20 && features.size() >= 20 && settleUntil == Long.MAX_VALUE) {
                        settleUntil = System.currentTimeMillis() + 2_000; // and no more than that
                    }
                }
            }
            assertEquals(20, clips.size(), "clips: " + clips.keySet());
            assertEquals(clips.keySet(), features.keySet(), "one feature record per clip");

            List<DeviceAudio.Cut> cuts = new ArrayList<>();
            for (AudioClip c : clips.values()) {
                short[] pcm = ChunkSegmentationProcessor.toShorts(c.getPcm());
                assertTrue(Arrays.equals(Arrays.copyOfRange(scene.pcm(), (int) (long) c.getStartSample(),
                        (int) (long) c.getEndSample()), pcm), "a clip is the device's own audio");
                cuts.add(new DeviceAudio.Cut(c.getSessionId(), new Utterance(c.getStartSample(), pcm, 8000,
                        Utterance.Ending.SILENCE), c.getCapturedAtMs().toEpochMilli()));
            }
            SegmentationCheck.Report report = SegmentationCheck.evaluate(scene, cuts);
            assertEquals(20, report.single(), "each clip holds exactly its recording: " + report);

            // the running KafkaStreams' own metrics, through Micrometer's KafkaStreamsMetrics, in what /metrics
            // serves; those made after the binder was bound (the lag of the partitions assigned) too, at once
            String app = overrides.getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
            String text = Metrics.global().scrape();
            assertTrue(sum(text, "kafka_stream_thread_process_total", app) >= 20, "records processed by " + app
                    + "'s stream threads:\n" + grep(text, "kafka_stream_thread_process_total"));
            assertTrue(sum(text, "kafka_stream_thread_process_rate", app) >= 0, grep(text, "kafka_stream_thread_process_rate"));
            assertTrue(sum(text, "kafka_consumer_fetch_manager_records_lag", app) >= 0,
                    "consumer lag per partition (the dashboard's lag panel):\n" + grep(text, "kafka_consumer_fetch_manager_records_lag"));
        }
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{(.*)} (\\S+)$", Pattern.MULTILINE);

    /** The sum of the {@code name} samples with a label value containing {@code app}; NaN when there is none. */
    static double sum(String scrape, String name, String app) {
        double sum = Double.NaN;
        Matcher m = SAMPLE.matcher(scrape);
        while (m.find()) {
            if (m.group(1).equals(name) && m.group(2).contains(app)) {
                double v = Double.parseDouble(m.group(3));
                sum = Double.isNaN(sum) ? v : sum + (Double.isNaN(v) ? 0 : v);
            }
        }
        return sum;
    }

    static String grep(String scrape, String name) {
        return scrape.lines().filter(l -> l.startsWith(name)).limit(20).reduce("", (a, b) -> a + b + "\n");
    }

    static void sendAsChunks(ClusterConfig cluster, SchemaRegistryClient registry, String device,
                             SegmentationCheck.Scene scene) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        Random random = new Random(5);
        Instant t0 = Instant.now();
        try (KafkaProducer<String, AudioChunk> producer = new KafkaProducer<>(props,
                Topics.AUDIO_CHUNKS.keySerde().serializer(), Topics.AUDIO_CHUNKS.valueSerde(registry).serializer())) {
            long seq = 0;
            for (int pos = 0; pos < scene.pcm().length; ) {
                int n = Math.min(scene.pcm().length - pos, 8 * (20 + random.nextInt(81)));
                short[] part = Arrays.copyOfRange(scene.pcm(), pos, pos + n);
                Instant captured = t0.plusMillis(pos / 8);
                producer.send(new ProducerRecord<>(Topics.AUDIO_CHUNKS.name(), device, AudioChunk.newBuilder()
                        .setDeviceId(device).setSessionId("it").setSequence(seq++).setStartSample(pos)
                        .setSampleRate(8000).setPcm(ByteBuffer.wrap(ChunkSegmentationProcessor.toBytes(part)))
                        .setCapturedAtMs(captured).setSentAtMs(captured.plusMillis(n / 8)).build()));
                pos += n;
            }
            producer.flush();
        }
    }

}
