package dev.hark.schemas;

import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.avro.FeatureConfig;

/**
 * The Avro form of a {@link FeatureSpec}: what feature records and models carry, so that a model is
 * only ever fed features computed the way it was trained. Lives here, not in {@code audio}, so the
 * DSP library stays free of Avro and Kafka.
 */
public final class FeatureConfigs {

    private FeatureConfigs() {
    }

    /** The Avro form that feature records and models carry. */
    public static FeatureConfig toAvro(FeatureSpec spec) {
        return FeatureConfig.newBuilder()
                .setSampleRate(spec.sampleRate())
                .setNFft(spec.nFft())
                .setWinLength(spec.winLength())
                .setHopLength(spec.hopLength())
                .setWindow(spec.window().code())
                .setCenter(spec.center())
                .setPadMode(spec.padMode().code())
                .setPower(spec.power())
                .setNMels(spec.nMels())
                .setFMin(spec.fMin())
                .setFMax(spec.fMax())
                .setMelScale(spec.melScale().code())
                .setMelNorm(spec.melNorm().torchName())
                .setLogFloor(spec.logFloor())
                .setClipFrames(spec.clipFrames())
                .setFit(spec.fit().code())
                .setNormalisation(spec.normalisation().code())
                .setDspVersion(spec.dspVersion())
                .build();
    }

    /** Reads the Avro form; unknown names are an {@link IllegalArgumentException} naming the field. */
    public static FeatureSpec toSpec(FeatureConfig c) {
        return FeatureSpec.builder()
                .sampleRate(c.getSampleRate())
                .nFft(c.getNFft())
                .winLength(c.getWinLength())
                .hopLength(c.getHopLength())
                .window(FeatureSpec.Window.parse(c.getWindow()))
                .center(c.getCenter())
                .padMode(FeatureSpec.PadMode.parse(c.getPadMode()))
                .power(c.getPower())
                .nMels(c.getNMels())
                .fMin(c.getFMin())
                .fMax(c.getFMax())
                .melScale(FeatureSpec.MelScale.parse(c.getMelScale()))
                .melNorm(FeatureSpec.MelNorm.parse(c.getMelNorm()))
                .logFloor(c.getLogFloor())
                .clipFrames(c.getClipFrames())
                .fit(FeatureSpec.Fit.parse(c.getFit()))
                .normalisation(FeatureSpec.Normalisation.parse(c.getNormalisation()))
                .dspVersion(c.getDspVersion())
                .build();
    }
}
