package dev.hark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hark.avro.AudioClip;
import dev.hark.infra.Ports;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;

/** `hark up` as a user runs it: a separate process, Ctrl-C (SIGINT) to stop, a restart on the same directory. */
class UpCommandTest {

    /** A running `hark up` process and what it printed. */
    static final class Up implements AutoCloseable {
        final Process process;
        final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
        final StringBuffer stderr = new StringBuffer();

        Up(String... args) throws IOException {
            // the product's logging (logback.xml: logs to stderr), not the tests' logback-test.xml, which is on
            // this class path too and logs to stdout: there a slow broker's ERROR line came before `bootstrap=`
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-Dlogback.configurationFile=logback.xml", "-cp", System.getProperty("java.class.path"),
                    Hark.class.getName(), "up"));
            command.addAll(List.of(args));
            process = new ProcessBuilder(command).start();
            pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), stdout::add);
            pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)),
                    line -> stderr.append(line).append('\n'));
        }

        static void pump(BufferedReader reader, java.util.function.Consumer<String> sink) {
            Thread t = new Thread(() -> reader.lines().forEach(sink), "pump");
            t.setDaemon(true);
            t.start();
        }

        String line(String prefix, Duration timeout) throws InterruptedException {
            String line = stdout.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(line, "no `" + prefix + "` line within " + timeout + "; stderr:\n" + stderr);
            assertTrue(line.startsWith(prefix), "expected " + prefix + " but got " + line);
            return line.substring(prefix.length());
        }

        /**
         * Ctrl-C, as a terminal sends it. Where this test JVM was itself started with SIGINT ignored (a
         * background job of a non-interactive shell, e.g. `cmd &` in a script), the child inherits that
         * and the JVM cannot install a handler for it; there the equivalent SIGTERM (`kill`) is sent.
         */
        Duration interrupt() throws Exception {
            long t0 = System.nanoTime();
            String signal = sigintIgnored() ? "-TERM" : "-INT";
            new ProcessBuilder("kill", signal, String.valueOf(process.pid())).start().waitFor();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "still running 30 s after Ctrl-C; stderr:\n" + stderr);
            return Duration.ofNanos(System.nanoTime() - t0);
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    /** Whether SIGINT (signal 2, bit 1 of the SigIgn mask) is ignored by this process. */
    static boolean sigintIgnored() {
        try {
            for (String l : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(l.substring(7).trim(), 16) & 0x2L) != 0;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // not Linux: assume a normal terminal
        }
        return false;
    }

    @Test
    void upCreatesTheTopicsStopsOnCtrlCAndKeepsDataAcrossRestarts(@TempDir Path dataDir) throws Exception {
        int kafkaPort = Ports.freePort();
        int controllerPort = Ports.freePort();
        int registryPort = Ports.freePort();
        int metricsPort = Ports.freePort();
        String[] args = {"--data-dir", dataDir.toString(), "--kafka-port", "" + kafkaPort, "--controller-port",
                "" + controllerPort, "--registry-port", "" + registryPort, "--retention", "audio.chunks=12h",
                "--metrics-port", "" + metricsPort};
        String clipId = "kept-" + UUID.randomUUID();
        try (Up up = new Up(args)) {
            String bootstrap = up.line("bootstrap=", Duration.ofSeconds(90));
            String registryUrl = up.line("registry=", Duration.ofSeconds(10));
            assertEquals("localhost:" + kafkaPort, bootstrap);
            assertEquals("http://localhost:" + registryPort + "/apis/ccompat/v7", registryUrl);

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                Set<String> names = admin.listTopics().names().get();
                for (var topic : Topics.ALL) {
                    assertTrue(names.contains(topic.name()), topic + " exists: " + names);
                }
                Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get();
                assertEquals(1, described.get("models").partitions().size());
                assertEquals(3, described.get("audio.clips").partitions().size());
                Config models = config(admin, "models");
                assertTrue(Long.parseLong(models.get("max.message.bytes").value()) >= 16L * 1024 * 1024);
                assertEquals("-1", models.get("retention.ms").value(), "every model version is kept");
                assertEquals(String.valueOf(Duration.ofDays(30).toMillis()), config(admin, "audio.dlq").get("retention.ms").value());
                assertEquals(String.valueOf(Duration.ofHours(12).toMillis()), config(admin, "audio.chunks").get("retention.ms").value());
            }
            SchemaRegistryClient registry = new SchemaRegistryClient(registryUrl);
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            try (KafkaProducer<String, AudioClip> producer = new KafkaProducer<>(props,
                    Topics.AUDIO_CLIPS.keySerde().serializer(), Topics.AUDIO_CLIPS.valueSerde(registry).serializer())) {
                producer.send(new ProducerRecord<>(Topics.AUDIO_CLIPS.name(), clipId, clip(clipId))).get();
            }

            // /health turns 200 once the services run; /metrics has Hark's gauges and the Streams metrics
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.URI base = java.net.URI.create("http://localhost:" + metricsPort);
            int health = 0;
            String healthBody = "";
            for (long deadline = System.currentTimeMillis() + 90_000; health != 200 && System.currentTimeMillis() < deadline; ) {
                var r = http.send(java.net.http.HttpRequest.newBuilder(base.resolve("/health")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                health = r.statusCode();
                healthBody = r.body();
                Thread.sleep(health == 200 ? 0 : 500);
            }
            assertEquals(200, health, healthBody);
            assertTrue(healthBody.contains("\"feature-stream\":{\"status\":\"UP\"") && healthBody.contains("\"trainer\""), healthBody);
            String metrics = http.send(java.net.http.HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("hark_model_version{service=\"classifier-stream\"} -1.0\n"), metrics);
            assertTrue(metrics.contains("hark_service_up{service=\"classifier-stream\"} 1.0\n"), metrics);
            assertTrue(metrics.contains("\nkafka_stream_thread_process_total{"), "Kafka Streams metrics");
            assertTrue(metrics.contains("\njvm_memory_used_bytes{area=\"heap\",id="), "JVM metrics");

            Duration stop = up.interrupt();
            assertEquals(sigintIgnored() ? 143 : 130, up.process.exitValue(), "the usual exit code after Ctrl-C (SIGTERM: 143): " + up.stderr);
            assertTrue(stop.compareTo(Duration.ofSeconds(20)) < 0, "stopped in " + stop);
            assertTrue(up.stderr.toString().contains("Stopped in"), up.stderr.toString());
        }
        assertTrue(Files.isDirectory(dataDir.resolve("kafka")));

        try (Up again = new Up(args)) {
            String bootstrap = again.line("bootstrap=", Duration.ofSeconds(90));
            String registryUrl = again.line("registry=", Duration.ofSeconds(10));
            // the record and its schema both survived: it decodes through the restarted registry
            SchemaRegistryClient registry = new SchemaRegistryClient(registryUrl);
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ConsumerConfig.GROUP_ID_CONFIG, "check-" + UUID.randomUUID());
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            AudioClip found = null;
            try (KafkaConsumer<String, AudioClip> consumer = new KafkaConsumer<>(props,
                    Topics.AUDIO_CLIPS.keySerde().deserializer(), Topics.AUDIO_CLIPS.valueSerde(registry).deserializer())) {
                consumer.subscribe(List.of(Topics.AUDIO_CLIPS.name()));
                long deadline = System.currentTimeMillis() + 30_000;
                while (found == null && System.currentTimeMillis() < deadline) {
                    for (var r : consumer.poll(Duration.ofMillis(300))) {
                        if (clipId.equals(r.key())) {
                            found = r.value();
                        }
                    }
                }
            }
            assertNotNull(found, "the clip written before the restart is still there");
            assertEquals(clipId, found.getClipId());
            // "Up in ..." follows the key=value lines once the services have started: wait for it
            long upDeadline = System.currentTimeMillis() + 60_000;
            while (!again.stderr.toString().contains("Up in") && System.currentTimeMillis() < upDeadline) {
                Thread.sleep(100);
            }
            assertTrue(again.stderr.toString().contains("0 created, 7 already there"), again.stderr.toString());
            again.interrupt();
        }
    }

    @Test
    void aHardKillLeavesNoRegistryBehind(@TempDir Path dataDir) throws Exception {
        int registryPort = Ports.freePort();
        try (Up up = new Up("--data-dir", dataDir.toString(), "--kafka-port", "" + Ports.freePort(),
                "--controller-port", "" + Ports.freePort(), "--registry-port", "" + registryPort, "--no-services",
                "--metrics-port", "" + Ports.freePort())) {
            up.line("bootstrap=", Duration.ofSeconds(90));
            up.line("registry=", Duration.ofSeconds(10));
            assertFalse(Ports.isFree(registryPort));
            up.process.destroyForcibly().waitFor(); // kill -9: no shutdown hooks run
            long deadline = System.currentTimeMillis() + 15_000;
            while (!Ports.isFree(registryPort) && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(Ports.isFree(registryPort), "the registry process went away with its parent");
        }
    }

    @Test
    void aPortInUseIsOneClearLineAndAFailureExit(@TempDir Path dataDir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             Up up = new Up("--data-dir", dataDir.toString(), "--kafka-port", "" + taken.getLocalPort(),
                     "--controller-port", "" + Ports.freePort(), "--registry-port", "" + Ports.freePort(),
                     "--metrics-port", "" + Ports.freePort())) {
            assertTrue(up.process.waitFor(60, TimeUnit.SECONDS));
            Thread.sleep(200); // let the pump drain stderr
            String err = up.stderr.toString();
            assertEquals(ExitCodes.FAILED, up.process.exitValue(), err);
            assertTrue(err.contains("port " + taken.getLocalPort()) && err.contains("already in use"), err);
            assertTrue(err.contains("--kafka-port"), err);
            assertFalse(err.contains("\tat "), "no stack trace: " + err);
            assertTrue(up.stdout.isEmpty(), "nothing on stdout: " + up.stdout);
        }
    }

    static Config config(Admin admin, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get().get(resource);
    }

    static AudioClip clip(String id) {
        return AudioClip.newBuilder().setClipId(id).setSource("test").setSampleRate(8000)
                .setPcm(ByteBuffer.wrap(new byte[1600])).setCapturedAtMs(Instant.ofEpochMilli(1_700_000_000_000L))
                .setClipCreatedAtMs(Instant.ofEpochMilli(1_700_000_000_001L)).build();
    }
}
