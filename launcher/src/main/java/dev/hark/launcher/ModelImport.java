package dev.hark.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hark.audio.Digests;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.avro.ModelRelease;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.ModelPublisher;
import dev.hark.kafka.ModelsTopic;
import dev.hark.model.HarkOnnxMetadata;
import dev.hark.model.ModelCatalog;
import dev.hark.model.ModelReleases;
import dev.hark.schemas.FeatureConfigs;
import dev.hark.schemas.registry.SchemaRegistryClient;

/**
 * An offline-trained model put on {@code models}: a {@code hark train} output folder (model.onnx and
 * model.json) or a bare ONNX file written by Hark (its facts are in its metadata), checked against
 * the feature configuration the feature stream computes, as a release of the next free version (or
 * the one asked for). What {@code hark models publish} and {@code hark bench --model} do.
 */
final class ModelImport {

    /** A model read from disk: the ONNX bytes, what they say about themselves, and the card beside them. */
    record Source(Path onnxFile, byte[] onnx, HarkOnnxMetadata metadata, JsonNode card) {
    }

    private ModelImport() {
    }

    /** Reads DIR/model.onnx (+ DIR/model.json) or FILE.onnx (+ model.json beside it, if any). */
    static Source read(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("no such file or folder: " + path);
        }
        Path onnxFile = Files.isDirectory(path) ? path.resolve("model.onnx") : path;
        if (!Files.isRegularFile(onnxFile)) {
            throw new IllegalArgumentException(path + " has no model.onnx (a `hark train --out` folder has one)");
        }
        byte[] onnx = Files.readAllBytes(onnxFile);
        HarkOnnxMetadata meta;
        try {
            meta = HarkOnnxMetadata.read(onnx);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(onnxFile + " is not a Hark model (" + e.getMessage() + "); publish models "
                    + "written by hark train or the online trainer", e);
        }
        String declared = meta.info().featureConfigId();
        String computed = FeatureConfigs.toSpec(meta.info().featureConfig()).id();
        if (!declared.equals(computed)) {
            throw new IllegalArgumentException(onnxFile + ": its metadata is inconsistent: feature configuration id "
                    + declared + ", but the configuration stored with it is " + computed);
        }
        JsonNode card = null;
        Path cardFile = onnxFile.toAbsolutePath().resolveSibling("model.json");
        if (Files.isRegularFile(cardFile)) {
            card = new ObjectMapper().readTree(cardFile.toFile());
            String sha = card.path("onnx").path("sha256").asText("");
            if (!sha.isEmpty() && !sha.equals(Digests.sha256(onnx))) {
                throw new IllegalArgumentException(cardFile + " describes another model (sha256 " + sha + ", "
                        + onnxFile.getFileName() + " has " + Digests.sha256(onnx) + ")");
            }
        }
        return new Source(onnxFile, onnx, meta, card);
    }

    /** Refuses a model whose input is not what the feature stream computes. */
    static void requireFeatures(Source s, FeatureSpec served) {
        if (!s.metadata().info().featureConfigId().equals(served.id())) {
            throw new IllegalArgumentException("feature configuration mismatch: " + s.onnxFile() + " was trained on "
                    + s.metadata().info().featureConfigId() + ", the feature stream computes " + served.id()
                    + "; retrain it with this Hark (hark train)");
        }
    }

    /** The release of {@code s} as version {@code version} (the file's metadata rewritten to that version). */
    static ModelRelease release(Source s, int version, boolean champion, Integer parent, String by) {
        byte[] onnx = s.metadata().info().version() == version ? s.onnx() : HarkOnnxMetadata.withVersion(s.onnx(), version);
        Map<String, Double> metrics = new LinkedHashMap<>();
        Map<String, String> notes = new LinkedHashMap<>();
        List<String> speakers = new ArrayList<>();
        Double accuracy = null;
        notes.put("reason", "published by " + by + " from " + s.onnxFile().toAbsolutePath());
        notes.put("published", Instant.now().toString());
        if (s.metadata().info().version() != version) {
            notes.put("file_version", "the file says version " + s.metadata().info().version() + "; published as v" + version);
        }
        JsonNode card = s.card();
        if (card != null) {
            JsonNode m = card.path("metrics");
            if (m.hasNonNull("accuracy")) {
                accuracy = m.get("accuracy").asDouble();
                metrics.put("accuracy", accuracy);
            }
            if (m.hasNonNull("macro_f1")) {
                metrics.put("macro_f1", m.get("macro_f1").asDouble());
            }
            if (m.hasNonNull("count")) {
                metrics.put("evaluation_clips", m.get("count").asDouble());
            }
            if (m.hasNonNull("evaluation_set")) {
                notes.put("evaluation", m.get("evaluation_set").asText());
            }
            m.path("per_speaker").fieldNames().forEachRemaining(speakers::add);
            JsonNode training = card.path("training");
            if (!training.isMissingNode()) {
                notes.put("training", training.toString().length() > 2000 ? training.toString().substring(0, 2000)
                        : training.toString());
            }
            if (card.hasNonNull("created")) {
                notes.put("trained", card.get("created").asText());
            }
        }
        notes.put("decision", champion ? "champion: published with --champion" : "not champion: published without --champion");
        return ModelReleases.of(version, parent, s.metadata().info().featureConfigId(), s.metadata().info().featureConfig(),
                onnx, champion, accuracy, null, speakers, metrics, notes);
    }

    /**
     * Publishes {@code path} as {@code version} (null: the next free one) and returns the release.
     * A version already in {@code models} is refused.
     */
    static ModelRelease publish(ClusterConfig cluster, SchemaRegistryClient registry, Path path, Integer version,
                                boolean champion, String by) throws IOException {
        Source s = read(path);
        requireFeatures(s, FeatureSpec.defaults());
        ModelCatalog catalog = new ModelCatalog(ModelsTopic.read(cluster, registry, Duration.ofSeconds(30)));
        int v;
        if (version != null) {
            if (version < 1) {
                throw new IllegalArgumentException("--version must be at least 1");
            }
            if (catalog.version(version).isPresent()) {
                throw new IllegalArgumentException("version " + version + " is taken in models (versions: "
                        + catalog.versions().keySet() + "); leave --version out for the next free one, v"
                        + (catalog.latestVersion() + 1));
            }
            v = version;
        } else {
            v = catalog.latestVersion() + 1;
        }
        Integer parent = catalog.champion().map(ModelRelease::getVersion).orElse(null);
        ModelRelease r = release(s, v, champion, parent, by);
        ModelPublisher.publishOnce(cluster, registry, r);
        return r;
    }
}
