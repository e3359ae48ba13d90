package dev.hark.model;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.hark.audio.Digests;
import dev.hark.avro.FeatureConfig;
import dev.hark.avro.ModelRelease;

/**
 * The {@code models} record of one ONNX model, as every publisher builds it (the online trainer's
 * candidates, {@code hark models publish}): the file, its digest and feature configuration, and the
 * numbers and notes that say how it was made.
 */
public final class ModelReleases {

    /** What the ONNX graph returns, for {@link ModelRelease#getOutput()}. */
    public static final String OUTPUT = HarkOnnxWriter.PROBABILITIES;

    private ModelReleases() {
    }

    /**
     * @param parentVersion      the champion it was made to replace, or null
     * @param candidateAccuracy  its accuracy on its evaluation set, or null when unknown
     * @param championAccuracy   the champion's on the same set, or null when not comparable
     */
    public static ModelRelease of(int version, Integer parentVersion, String featureConfigId, FeatureConfig featureConfig,
                                  byte[] onnx, boolean champion, Double candidateAccuracy, Double championAccuracy,
                                  List<String> evaluationSpeakers, Map<String, Double> metrics, Map<String, String> notes) {
        return ModelRelease.newBuilder()
                .setVersion(version)
                .setParentVersion(parentVersion)
                .setCreatedAtMs(Instant.now())
                .setFeatureConfigId(featureConfigId)
                .setFeatureConfig(featureConfig)
                .setOnnx(ByteBuffer.wrap(onnx))
                .setOnnxSha256(Digests.sha256(onnx))
                .setOutput(OUTPUT)
                .setChampion(champion)
                .setCandidateAccuracy(candidateAccuracy)
                .setChampionAccuracy(championAccuracy)
                .setEvaluationSpeakers(evaluationSpeakers)
                .setMetrics(metrics)
                .setNotes(notes)
                .build();
    }
}
