package dev.hark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hark.audio.Digests;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.avro.ModelRelease;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.ModelsTopic;
import dev.hark.kafka.TopicAdmin;
import dev.hark.model.CnnWeights;
import dev.hark.model.HarkOnnxMetadata;
import dev.hark.model.HarkOnnxWriter;
import dev.hark.model.ModelCatalog;
import dev.hark.model.ModelInfo;
import dev.hark.schemas.FeatureConfigs;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.testing.EmbeddedInfra;

/** {@code hark models publish} on the embedded Kafka: a train folder becomes the champion; bad input is one clear line. */
class ModelsPublishTest {

    record Out(int exit, String out, String err) {
    }

    /** Runs hark with System.out captured (the model commands print there). */
    static Out hark(String... args) {
        PrintStream was = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            ClassifyCommandTest.Run r = ClassifyCommandTest.run(args);
            return new Out(r.exit(), buf.toString(StandardCharsets.UTF_8) + r.out(), r.err());
        } finally {
            System.setOut(was);
        }
    }

    static byte[] onnx(FeatureSpec spec, int version) {
        return HarkOnnxWriter.write(CnnWeights.random(3, spec.nMels(), spec.clipFrames(), 4, 8),
                new ModelInfo(version, spec.id(), FeatureConfigs.toAvro(spec)));
    }

    /** What hark train writes: model.onnx and a model.json card. */
    static Path trainFolder(Path dir, int fileVersion) throws Exception {
        byte[] onnx = onnx(FeatureSpec.defaults(), fileVersion);
        Files.createDirectories(dir);
        Files.write(dir.resolve("model.onnx"), onnx);
        new ObjectMapper().writeValue(dir.resolve("model.json").toFile(), Map.of("version", fileVersion,
                "onnx", Map.of("file", "model.onnx", "sha256", Digests.sha256(onnx)),
                "metrics", Map.of("evaluation_set", "test takes", "accuracy", 0.875, "count", 40, "macro_f1", 0.86,
                        "per_speaker", Map.of("jackson", Map.of("accuracy", 0.9)))));
        return dir;
    }

    @Test
    void publishesATrainFolderAsTheNextFreeVersionAndChampion(@TempDir Path tmp) throws Exception {
        EmbeddedInfra infra = EmbeddedInfra.shared();
        TopicAdmin.ensureTopics(infra.bootstrapServers(), 3);
        ClusterConfig cluster = new ClusterConfig(infra.bootstrapServers(), infra.registryUrl());
        SchemaRegistryClient registry = new SchemaRegistryClient(infra.registryUrl());
        String[] where = {"--bootstrap-servers", infra.bootstrapServers(), "--registry-url", infra.registryUrl()};
        int before = new ModelCatalog(ModelsTopic.read(cluster, registry, Duration.ofSeconds(30))).latestVersion();

        Path folder = trainFolder(tmp.resolve("model"), 1);
        Out r = hark(concat(new String[] {"models", "publish", folder.toString(), "--champion"}, where));
        assertEquals(0, r.exit(), r.err() + r.out());
        int v = before + 1;
        assertTrue(r.out().contains("as v" + v), r.out());

        ModelCatalog catalog = new ModelCatalog(ModelsTopic.read(cluster, registry, Duration.ofSeconds(30)));
        ModelRelease release = catalog.version(v).orElseThrow();
        assertEquals(v, catalog.champion().orElseThrow().getVersion());
        assertEquals(0.875, release.getCandidateAccuracy(), 1e-9);
        assertEquals(java.util.List.of("jackson"), release.getEvaluationSpeakers());
        byte[] published = new byte[release.getOnnx().remaining()];
        release.getOnnx().duplicate().get(published);
        assertEquals(v, HarkOnnxMetadata.read(published).info().version(), "the file's metadata carries the release's version");
        assertEquals(Digests.sha256(published), release.getOnnxSha256());

        Out list = hark(concat(new String[] {"models"}, where));
        assertEquals(0, list.exit(), list.err());
        assertTrue(Pattern.compile("(?m)^\\* " + v + " ").matcher(list.out()).find(), "listed as champion:\n" + list.out());

        // a bare .onnx, not champion, at a chosen version
        Path bare = Files.write(tmp.resolve("bare.onnx"), onnx(FeatureSpec.defaults(), 3));
        Out r2 = hark(concat(new String[] {"models", "publish", bare.toString(), "--version", String.valueOf(v + 10)}, where));
        assertEquals(0, r2.exit(), r2.err() + r2.out());
        catalog = new ModelCatalog(ModelsTopic.read(cluster, registry, Duration.ofSeconds(30)));
        assertTrue(catalog.version(v + 10).isPresent());
        assertEquals(v, catalog.champion().orElseThrow().getVersion(), "not champion without --champion");

        // version taken
        Out taken = hark(concat(new String[] {"models", "publish", bare.toString(), "--version", String.valueOf(v)}, where));
        assertNotEquals(0, taken.exit());
        assertTrue(taken.err().contains("version " + v + " is taken"), taken.err());

        // not a Hark model
        Path junk = Files.write(tmp.resolve("junk.onnx"), "not a model".getBytes(StandardCharsets.UTF_8));
        Out notHark = hark(concat(new String[] {"models", "publish", junk.toString()}, where));
        assertNotEquals(0, notHark.exit());
        assertTrue(notHark.err().contains("is not a Hark model"), notHark.err());

        // trained on other features
        FeatureSpec other = FeatureSpec.defaults().toBuilder().power(1f).build();
        assertNotEquals(FeatureSpec.defaults().id(), other.id());
        Path otherFile = Files.write(tmp.resolve("other.onnx"), onnx(other, 1));
        Out mismatch = hark(concat(new String[] {"models", "publish", otherFile.toString()}, where));
        assertNotEquals(0, mismatch.exit());
        assertTrue(mismatch.err().contains("feature configuration mismatch"), mismatch.err());
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
