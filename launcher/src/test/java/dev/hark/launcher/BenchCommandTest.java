package dev.hark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.classifier.stream.ClassifierService;
import dev.hark.classifier.stream.ClassifierTopology;
import dev.hark.features.stream.FeatureStreamService;
import dev.hark.features.stream.FeatureStreamTopology;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.TopicAdmin;
import dev.hark.testing.EmbeddedInfra;
import dev.hark.testing.SharedData;

/**
 * {@code hark bench} with tiny numbers on the embedded Kafka and registry (the stream services
 * running in the test): a model from a file, 20 replayed clips, one step of 5 devices for 10 s. The
 * JSON has every key, and the counts add up.
 */
class BenchCommandTest {

    @Test
    void tinyBenchWritesEveryKeyAndTheCountsAddUp(@TempDir Path tmp) throws Exception {
        Path data = SharedData.fsddRecordings().orElse(null);
        Assumptions.assumeTrue(data != null, "needs the FSDD recordings (SharedData)");
        EmbeddedInfra infra = EmbeddedInfra.shared();
        ClusterConfig cluster = new ClusterConfig(infra.bootstrapServers(), infra.registryUrl());
        TopicAdmin.ensureTopics(cluster.bootstrapServers(), 3);
        Path model = Files.write(tmp.resolve("m.onnx"), ModelsPublishTest.onnx(FeatureSpec.defaults(), 1));
        Path json = tmp.resolve("bench.json");
        try (FeatureStreamService features = new FeatureStreamService(cluster, FeatureStreamTopology.Settings.defaults(),
                tmp.resolve("f"), new Properties());
             ClassifierService classifier = new ClassifierService(cluster, ClassifierTopology.Settings.defaults(),
                     tmp.resolve("c"), new Properties())) {
            features.start();
            classifier.start();
            ModelsPublishTest.Out r = ModelsPublishTest.hark("bench", "--bootstrap-servers", infra.bootstrapServers(),
                    "--registry-url", infra.registryUrl(), "--data", data.toString(), "--model", model.toString(),
                    "--clips", "20", "--devices", "5", "--step-duration", "10s", "--settle", "8s", "--work-dir",
                    tmp.resolve("work").toString(), "--json", json.toString());
            assertEquals(0, r.exit(), r.err() + r.out());
            assertTrue(r.out().contains("devices"), r.out());
        }
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        for (String key : List.of("stack", "cores", "model", "replay", "cpu_method", "steps")) {
            assertTrue(j.has(key), key + " in " + j);
        }
        JsonNode replay = j.get("replay");
        assertEquals(20, replay.get("clips").asInt());
        assertEquals(20, replay.get("predictions").asInt() + replay.get("dead_letters").asInt()
                + replay.get("unaccounted").asInt() + replay.get("send_failures").asInt(), replay.toString());
        assertEquals(20, replay.get("predictions").asInt(), "every replayed clip predicted: " + replay);
        assertEquals(0, replay.get("duplicates").asInt());
        assertTrue(replay.get("clips_per_s").asDouble() > 0, replay.toString());

        assertEquals(1, j.get("steps").size());
        JsonNode step = j.get("steps").get(0);
        for (String key : List.of("devices", "accuracy", "unaccounted", "spurious", "split", "duplicates", "endpoint_ms",
                "pipeline_ms", "throughput", "cpu", "report")) {
            assertTrue(step.has(key), key + " in " + step);
        }
        assertEquals(5, step.get("devices").asInt());
        JsonNode report = step.get("report");
        int sent = report.get("utterances_sent").asInt();
        assertTrue(sent > 0, report.toString());
        assertEquals(sent, report.get("answered").asInt() + report.get("dead_lettered_utterances").asInt()
                + report.get("unaccounted").asInt(), report.toString());
        assertEquals(0, step.get("unaccounted").asInt(), "every utterance answered at 5 devices: " + report);
        JsonNode chunks = report.get("chunks");
        assertEquals(chunks.get("sent").asLong(), chunks.get("acknowledged").asLong() + chunks.get("dropped").asLong()
                + chunks.get("lost").asLong(), chunks.toString());
        JsonNode cpu = step.get("cpu");
        assertTrue(cpu.get("process_cpu_s").asDouble() > 0, cpu.toString());
        double shares = 0;
        for (JsonNode g : cpu.get("services")) {
            shares += g.get("share").asDouble();
        }
        assertTrue(Math.abs(shares - 1.0) < 0.05, "the services' shares add up to the process: " + cpu);
        assertTrue(cpu.get("services").has("feature-stream") && cpu.get("services").has("classifier-stream")
                && cpu.get("services").has("simulator"), cpu.toString());
    }
}
