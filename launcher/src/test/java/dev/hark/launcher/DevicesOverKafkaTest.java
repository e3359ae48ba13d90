package dev.hark.launcher;

import dev.hark.schemas.FeatureConfigs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hark.avro.ModelRelease;
import dev.hark.model.CnnWeights;
import dev.hark.model.HarkOnnxWriter;
import dev.hark.model.ModelInfo;
import dev.hark.classifier.stream.ClassifierService;
import dev.hark.classifier.stream.ClassifierTopology;
import dev.hark.audio.Audio;
import dev.hark.audio.WavWriter;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.features.stream.FeatureStreamService;
import dev.hark.features.stream.FeatureStreamTopology;
import dev.hark.testing.EmbeddedInfra;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.TopicAdmin;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.trainer.export.OnnxExport;
import dev.hark.kafka.ModelsTopic;
import dev.hark.model.ModelCatalog;
import dev.hark.kafka.ModelPublisher;
import picocli.CommandLine;

/**
 * Edge devices end to end on the embedded Kafka and registry, with the feature and classifier
 * streams running: `hark simulate` and `hark mic --from-wav` publish real-time chunks, and every
 * utterance comes back as exactly one prediction matched by its sample range. The model has random
 * weights (what it says is not the point here; `hark demo` measures accuracy with a trained one).
 */
class DevicesOverKafkaTest {

    static ClusterConfig cluster;
    static FeatureStreamService features;
    static ClassifierService classifier;
    static int version;
    @TempDir
    static Path state;

    @BeforeAll
    static void startServices() throws Exception {
        EmbeddedInfra infra = EmbeddedInfra.shared();
        cluster = new ClusterConfig(infra.bootstrapServers(), infra.registryUrl());
        TopicAdmin.ensureTopics(cluster.bootstrapServers(), 3);
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        features = new FeatureStreamService(cluster, FeatureStreamTopology.Settings.defaults(), state.resolve("f"),
                new Properties());
        features.start();
        classifier = new ClassifierService(cluster, ClassifierTopology.Settings.defaults(), state.resolve("c"),
                new Properties());
        classifier.start();
        FeatureSpec spec = FeatureSpec.defaults();
        version = new ModelCatalog(ModelsTopic.read(new dev.hark.kafka.ClusterConfig(cluster.bootstrapServers(), ""), registry, java.time.Duration.ofSeconds(30)))
                .latestVersion() + 1;
        byte[] onnx = HarkOnnxWriter.write(CnnWeights.random(7, spec.nMels(), spec.clipFrames(), 8, 16),
                new ModelInfo(version, spec.id(), FeatureConfigs.toAvro(spec)));
        try (ModelPublisher publisher = new ModelPublisher(cluster.bootstrapServers(), registry)) {
            publisher.publish(ModelRelease.newBuilder().setVersion(version).setParentVersion(null)
                    .setCreatedAtMs(Instant.now()).setFeatureConfigId(spec.id()).setFeatureConfig(FeatureConfigs.toAvro(spec))
                    .setOnnx(ByteBuffer.wrap(onnx)).setOnnxSha256(dev.hark.audio.Digests.sha256(onnx)).setOutput("probabilities")
                    .setChampion(true).build());
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (classifier.servingVersion() != version && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(version, classifier.servingVersion(), "the classifier serves the test model");
    }

    @AfterAll
    static void stopServices() {
        if (classifier != null) {
            classifier.close();
        }
        if (features != null) {
            features.close();
        }
    }

    /** A voiced, digit-length sound: a 120–220 Hz buzz with harmonics and a syllable envelope. */
    static float[] syllable(Random r, int rate) {
        int n = (int) ((0.3 + 0.3 * r.nextDouble()) * rate);
        double f0 = 120 + 100 * r.nextDouble();
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            double t = i / (double) rate;
            double env = Math.sin(Math.PI * i / n);
            double v = 0;
            for (int h = 1; h <= 8; h++) {
                v += Math.sin(2 * Math.PI * f0 * h * t) / h;
            }
            s[i] = (float) (0.25 * env * v);
        }
        return s;
    }

    static Path recordings(Path dir, int count) throws Exception {
        Files.createDirectories(dir);
        Random r = new Random(3);
        for (int i = 0; i < count; i++) {
            WavWriter.write(dir.resolve((i % 10) + "_synth_" + i + ".wav"), syllable(r, 8000), 8000);
        }
        return dir;
    }

    @Test
    void simulatedDevicesEveryUtteranceIsAnsweredOnce(@TempDir Path tmp) throws Exception {
        Path data = recordings(tmp.resolve("data"), 12);
        Path json = tmp.resolve("sim.json");
        CommandLine cli = Hark.commandLine();
        int exit = cli.execute("simulate", "--devices", "3", "--duration", "6", "--data", data.toString(), "--json",
                json.toString(), "--settle", "15s", "--bootstrap-servers", cluster.bootstrapServers(), "--registry-url",
                cluster.registryUrl());
        assertEquals(0, exit);
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        for (String key : new String[] {"devices", "utterances_sent", "clips", "predictions", "dead_letters", "unaccounted",
                "spurious", "accuracy", "endpoint_ms", "pipeline_ms", "throughput_clips_per_s", "duration_s",
                "model_versions"}) {
            assertTrue(r.has(key), key + " in " + r);
        }
        int sent = r.get("utterances_sent").asInt();
        assertEquals(3, r.get("devices").asInt());
        assertTrue(sent >= 6, "three devices speak for 6 s: " + r);
        assertEquals(0, r.get("unaccounted").asInt(), r.toString());
        assertEquals(0, r.get("spurious").asInt(), r.toString());
        assertEquals(0, r.get("dead_letters").asInt(), r.toString());
        assertEquals(sent, r.get("predictions").asInt(), "one prediction per utterance: " + r);
        assertEquals(sent, r.get("clips").asInt(), "one clip per utterance: " + r);
        assertEquals(sent, r.get("model_versions").get(String.valueOf(version)).asInt());
        for (String latency : new String[] {"endpoint_ms", "pipeline_ms"}) {
            JsonNode l = r.get(latency);
            assertTrue(l.get("p50").asDouble() > 0 && l.get("p50").asDouble() <= l.get("p99").asDouble()
                    && l.get("p99").asDouble() <= l.get("max").asDouble(), latency + ": " + l);
        }
        // the end of speech is followed by 280 ms of hangover and 150 ms of post-roll before a clip is cut
        assertTrue(r.get("endpoint_ms").get("p50").asDouble() >= 280, r.get("endpoint_ms").toString());
        assertTrue(r.get("throughput_clips_per_s").asDouble() > 0);
    }

    @Test
    void micFromWavStreamsInRealTimeAndPrintsThePrediction(@TempDir Path tmp) throws Exception {
        Path wav = recordings(tmp.resolve("one"), 1).resolve("0_synth_0.wav");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int exit;
        long t0 = System.nanoTime();
        try {
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            exit = Hark.commandLine().execute("mic", "--from-wav", wav.toString(), "--device-id", "test-mic",
                    "--bootstrap-servers", cluster.bootstrapServers(), "--registry-url", cluster.registryUrl());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, exit, err.toString());
        String printed = out.toString();
        assertEquals(1, printed.lines().filter(l -> l.contains(" heard ")).count(), printed + err);
        assertTrue(printed.contains("model v" + version + ")"), printed);
        // 0.5 s lead + the file + 1.5 s tail, paced like a microphone
        assertTrue(seconds >= 2.3, "streamed in real time, took " + seconds + " s");
        assertTrue(err.toString().contains("0 dropped"), err.toString());
    }

    @Test
    void micWithKafkaAwayKeepsCapturingSaysSoAndDropsTheOldest(@TempDir Path tmp) throws Exception {
        Path wav = recordings(tmp.resolve("one"), 1).resolve("0_synth_0.wav");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(err, true));
            exit = Hark.commandLine().execute("mic", "--from-wav", wav.toString(), "--buffer", "1s", "--wait", "1s",
                    "--bootstrap-servers", "localhost:" + port, "--registry-url", "http://localhost:" + port);
        } finally {
            System.setErr(oldErr);
        }
        String said = err.toString();
        assertEquals(ExitCodes.FAILED, exit, said);
        assertTrue(said.contains("Kafka is not taking audio"), said);
        assertTrue(said.matches("(?s).*dropped the oldest \\d+ chunks.*"), said);
        assertTrue(said.matches("(?s).*0 acknowledged, [1-9]\\d* dropped \\(buffer full\\).*"), said);
    }

    @Test
    void micWithoutAMicrophoneSaysSoAndExitsNonZero() {
        org.junit.jupiter.api.Assumptions.assumeTrue(noCaptureLine(), "this machine has a capture device");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(err, true));
            exit = Hark.commandLine().execute("mic", "--bootstrap-servers", cluster.bootstrapServers(), "--registry-url",
                    cluster.registryUrl());
        } finally {
            System.setErr(oldErr);
        }
        assertEquals(ExitCodes.NO_MICROPHONE, exit);
        assertTrue(err.toString().contains("no microphone") && err.toString().contains("--from-wav"), err.toString());
    }

    static boolean noCaptureLine() {
        javax.sound.sampled.AudioFormat f = new javax.sound.sampled.AudioFormat(16000f, 16, 1, true, false);
        return !javax.sound.sampled.AudioSystem.isLineSupported(
                new javax.sound.sampled.DataLine.Info(javax.sound.sampled.TargetDataLine.class, f));
    }
}
