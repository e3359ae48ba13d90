package dev.hark.model;

import java.util.Objects;

import dev.hark.avro.FeatureConfig;

/**
 * What a Hark ONNX file says about itself (its {@code metadata_props}): model version, and the
 * feature configuration (with its id) its input was computed with.
 *
 * @param version         the model version (also the key of its {@code models} record)
 * @param featureConfigId the id of {@code featureConfig} (FeatureSpec.id() in feature-stream)
 * @param featureConfig   the feature configuration the model was trained on
 */
public record ModelInfo(int version, String featureConfigId, FeatureConfig featureConfig) {
    public ModelInfo {
        Objects.requireNonNull(featureConfigId, "featureConfigId");
        Objects.requireNonNull(featureConfig, "featureConfig");
    }
}
