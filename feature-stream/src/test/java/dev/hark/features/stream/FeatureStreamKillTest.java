package dev.hark.features.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
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
import java.util.TreeMap;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hark.audio.segment.Signals;
import dev.hark.audio.segment.Utterance;
import dev.hark.avro.AudioChunk;
import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.features.segment.DeviceAudio;
import dev.hark.features.segment.SegmentationCheck;
import dev.hark.kafka.TopicAdmin;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.testing.EmbeddedInfra;
import dev.hark.testing.HarkInfra;

/**
 * Kill -9 of the feature stream, on the embedded cluster: 50 devices stream words in real time while the
 * service, a separate JVM, is killed with SIGKILL twice and started again each time on an empty state
 * directory (its device state restored from the changelogs). Read committed, every word is exactly one
 * clip holding the device's own audio; a device may have a word split only at a kill (the word open at
 * that moment), no clip is there twice, no clip overlaps another, nothing is dead-lettered.
 */
class FeatureStreamKillTest {
    static final int DEVICES = 50;
    static final int WORDS = 12;
    static final int KILLS = 2;
    static final int CHUNK = Signals.samples(100);

    @Test
    void killedWithoutWarningAndRestartedFromTheChangelogEveryWordIsOneClip(@TempDir Path dir) throws Exception {
        HarkInfra infra = EmbeddedInfra.shared();
        TopicAdmin.ensureTopics(infra.bootstrapServers(), 3);
        SchemaRegistryClient registry = new SchemaRegistryClient(infra.registryUrl());
        String run = UUID.randomUUID().toString().substring(0, 8);
        String app = "feature-stream-kill-" + run;

        Random random = new Random(17);
        Map<String, SegmentationCheck.Scene> scenes = new TreeMap<>();
        for (int d = 0; d < DEVICES; d++) {
            Signals s = new Signals().noise(600 + random.nextInt(400));
            List<SegmentationCheck.Placed> placed = new ArrayList<>();
            for (int w = 0; w < WORDS; w++) {
                long start = s.length();
                s.word(300 + random.nextInt(300));
                placed.add(new SegmentationCheck.Placed("w" + w, start, s.length()));
                s.noise(600 + random.nextInt(300));
            }
            scenes.put("kill-" + run + "-" + d, new SegmentationCheck.Scene(s.pcm(), Signals.RATE, placed));
        }

        int[] port = new int[1];
        Process service = start(infra, app, run, dir.resolve("state-0"), dir.resolve("service-0.log"), port);
        try {
            awaitHealthy(port[0], service, dir.resolve("service-0.log"));
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            Instant t0 = Instant.now();
            long startWall = System.currentTimeMillis();
            int longest = scenes.values().stream().mapToInt(s -> s.pcm().length).max().orElseThrow();
            int kills = 0;
            try (KafkaProducer<String, AudioChunk> producer = new KafkaProducer<>(props,
                    Topics.AUDIO_CHUNKS.keySerde().serializer(), Topics.AUDIO_CHUNKS.valueSerde(registry).serializer())) {
                for (int seq = 0; seq * CHUNK < longest; seq++) {
                    // the devices speak in real time; the service dies at 4 s and 9 s in, whatever it is doing
                    long due = startWall + seq * 100L;
                    Thread.sleep(Math.max(0, due - System.currentTimeMillis()));
                    if (kills < KILLS && seq == 40 + 50 * kills) {
                        service.destroyForcibly().waitFor();
                        kills++;
                        service = start(infra, app, run, dir.resolve("state-" + kills), dir.resolve("service-" + kills + ".log"), port);
                    }
                    for (var e : scenes.entrySet()) {
                        short[] pcm = e.getValue().pcm();
                        int from = seq * CHUNK;
                        if (from >= pcm.length) {
                            continue;
                        }
                        short[] part = Arrays.copyOfRange(pcm, from, Math.min(pcm.length, from + CHUNK));
                        Instant captured = t0.plusMillis(from * 1000L / Signals.RATE);
                        producer.send(new ProducerRecord<>(Topics.AUDIO_CHUNKS.name(), e.getKey(), AudioChunk.newBuilder()
                                .setDeviceId(e.getKey()).setSessionId("s1").setSequence(seq).setStartSample(from)
                                .setSampleRate(Signals.RATE).setPcm(ByteBuffer.wrap(ChunkSegmentationProcessor.toBytes(part)))
                                .setCapturedAtMs(captured).setSentAtMs(Instant.now()).build()));
                    }
                }
                producer.flush();
            }
            assertEquals(KILLS, kills);

            // read committed: every clip and dead letter of these devices
            Map<String, List<AudioClip>> clips = new HashMap<>();
            Map<String, Integer> clipRecords = new HashMap<>();
            List<DeadLetter> letters = new ArrayList<>();
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
            c.put(ConsumerConfig.GROUP_ID_CONFIG, "check-" + run);
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            int expected = DEVICES * WORDS;
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(Topics.AUDIO_CLIPS.name(), Topics.AUDIO_DLQ.name()));
                var clipSerde = Topics.AUDIO_CLIPS.valueSerde(registry).deserializer();
                var dlqSerde = Topics.AUDIO_DLQ.valueSerde(registry).deserializer();
                long deadline = System.currentTimeMillis() + 180_000;
                long settleUntil = Long.MAX_VALUE;
                int count = 0;
                while (System.currentTimeMillis() < Math.min(deadline, settleUntil)) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(300))) {
                        if (r.topic().equals(Topics.AUDIO_CLIPS.name())) {
                            AudioClip clip = clipSerde.deserialize(r.topic(), r.value());
                            if (scenes.containsKey(clip.getDeviceId())) {
                                clips.computeIfAbsent(clip.getDeviceId(), k -> new ArrayList<>()).add(clip);
                                clipRecords.merge(clip.getClipId(), 1, Integer::sum);
                                count++;
                            }
                        } else {
                            DeadLetter letter = dlqSerde.deserialize(r.topic(), r.value());
                            if (String.valueOf(letter.getDeviceId()).startsWith("kill-" + run)) {
                                letters.add(letter);
                            }
                        }
                    }
                    if (count >= expected && settleUntil == Long.MAX_VALUE) {
                        settleUntil = System.currentTimeMillis() + 5_000; // and no more than that
                    }
                }
            }

            assertTrue(letters.isEmpty(), "dead letters: " + letters);
            clipRecords.forEach((id, n) -> assertEquals(1, n, "clip " + id + " committed " + n + " times"));
            int splitWords = 0;
            int spuriousClips = 0;
            StringBuilder reports = new StringBuilder();
            for (var e : scenes.entrySet()) {
                SegmentationCheck.Scene scene = e.getValue();
                List<AudioClip> mine = new ArrayList<>(clips.getOrDefault(e.getKey(), List.of()));
                mine.sort((a, b) -> Long.compare(a.getStartSample(), b.getStartSample()));
                List<DeviceAudio.Cut> cuts = new ArrayList<>();
                long end = Long.MIN_VALUE;
                for (AudioClip clip : mine) {
                    assertTrue(clip.getStartSample() >= end, "clips of " + e.getKey() + " overlap at " + clip.getStartSample());
                    end = clip.getEndSample();
                    short[] pcm = ChunkSegmentationProcessor.toShorts(clip.getPcm());
                    assertArrayEquals(Arrays.copyOfRange(scene.pcm(), (int) (long) clip.getStartSample(),
                            (int) (long) clip.getEndSample()), pcm, "a clip is the device's own audio");
                    cuts.add(new DeviceAudio.Cut("s1", new Utterance(clip.getStartSample(), pcm, Signals.RATE,
                            Utterance.Ending.SILENCE), clip.getCapturedAtMs().toEpochMilli()));
                }
                SegmentationCheck.Report report = SegmentationCheck.evaluate(scene, cuts);
                reports.append(e.getKey()).append(": ").append(report).append('\n');
                assertEquals(0, report.missed(), e.getKey() + ": " + report);
                assertEquals(0, report.merged(), e.getKey() + ": " + report);
                // a clip of the device's own gap noise (no word in it) is a segmentation false alarm, not a
                // lost or doubled record: bounded here as the segmentation tests bound it, and counted
                assertTrue(report.spurious() <= KILLS, e.getKey() + ": " + report);
                assertTrue(report.split() <= KILLS, e.getKey() + ": only a word open at a kill may be split: " + report);
                splitWords += report.split();
                spuriousClips += report.spurious();
            }
            System.out.printf("kill test: %d devices x %d words, %d kills; %d clips, %d words split at a kill, %d noise clips%n",
                    DEVICES, WORDS, KILLS, clipRecords.size(), splitWords, spuriousClips);
            assertTrue(spuriousClips <= DEVICES * WORDS / 100, "noise clips over 1 % of the words: " + spuriousClips);
        } finally {
            service.destroyForcibly().waitFor();
        }
    }

    /** The feature stream's own main in a JVM of its own, fresh state directory, static membership. */
    static Process start(HarkInfra infra, String app, String run, Path stateDir, Path log, int[] portOut) throws Exception {
        Files.createDirectories(stateDir);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        portOut[0] = port;
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
                FeatureStreamService.class.getName());
        Map<String, String> env = pb.environment();
        env.put("HARK_BOOTSTRAP_SERVERS", infra.bootstrapServers());
        env.put("HARK_REGISTRY_URL", infra.registryUrl());
        env.put("HARK_STATE_DIR", stateDir.toString());
        env.put("HARK_METRICS_PORT", String.valueOf(port));
        env.put("HARK_INSTANCE_ID", "kill-test-" + run);
        env.put("HARK_KAFKA_STREAMS_APPLICATION_ID", app);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }

    /** Until {@code /health} says the stream is running (its partitions assigned). */
    static void awaitHealthy(int port, Process service, Path log) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        long deadline = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < deadline) {
            assertTrue(service.isAlive(), "the service died: " + Files.readString(log));
            try {
                var response = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://localhost:" + port + "/health")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("RUNNING")) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the service did not become healthy: " + Files.readString(log));
    }
}
