package dev.hark.model;

import dev.hark.schemas.FeatureConfigs;

import dev.hark.avro.FeatureConfig;
import dev.hark.model.CnnWeights;
import dev.hark.model.HarkOnnxWriter;
import dev.hark.model.ModelInfo;

/** Small models with random weights for tests (the trainer makes the real ones). */
public final class TestModels {
    /** The id of the default feature configuration (FeatureSpec.defaults().id() in feature-stream). */
    public static final String CONFIG_ID = "lm-8cc2b6c46d58";

    private TestModels() {
    }

    /** The default feature configuration (as FeatureConfigs.toAvro(FeatureSpec.defaults()) in feature-stream). */
    public static FeatureConfig featureConfig() {
        return FeatureConfig.newBuilder().setSampleRate(8000).setNFft(256).setWinLength(200).setHopLength(80)
                .setWindow("hann").setCenter(true).setPadMode("reflect").setPower(2f).setNMels(40).setFMin(20f)
                .setFMax(4000f).setMelScale("htk").setMelNorm(null).setLogFloor(1e-6f).setClipFrames(101)
                .setFit("center").setNormalisation("utterance-mean-std").setDspVersion(1).build();
    }

    /** A small random model on 40x101 input (channels 4, 8): fast to load and run. */
    public static byte[] small(int version, long seed) {
        return onnx(version, CONFIG_ID, CnnWeights.random(seed, 40, 101, 4, 8));
    }

    /** The trainer's default architecture (channels 16, 32, 64, 96) on 40x101 input. */
    public static CnnWeights defaultArchitecture(long seed) {
        return CnnWeights.random(seed, 40, 101, 16, 32, 64, 96);
    }

    public static byte[] onnx(int version, String configId, CnnWeights weights) {
        return HarkOnnxWriter.write(weights, new ModelInfo(version, configId, featureConfig()));
    }
}
