package dev.hark.launcher;

import dev.hark.schemas.FeatureConfigs;

import java.io.IOException;
import java.nio.file.Path;

import dev.hark.model.inference.DigitModel;
import dev.hark.audio.WavDecoder;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dsp.LogMelExtractor;

/**
 * A WAV file's digit through exactly the serving path: the feature stream's decoding, resampling and
 * log-mel ({@link WavDecoder}, {@link LogMelExtractor} with the model's own {@link FeatureSpec}, read
 * from its ONNX metadata), then the classifier stream's {@link DigitModel}. {@code hark classify}
 * uses it; {@code hark eval} should too, so both agree on every file.
 */
public final class WavClassifier {

    /** One file's answer: the digit, its probability, and all ten probabilities. */
    public record Result(Path file, int digit, float confidence, float[] probabilities) {
    }

    private final DigitModel model;
    private final LogMelExtractor extractor;

    /**
     * @throws IllegalArgumentException when the model's feature configuration does not hash to the id it
     *                                  claims (a model made with other DSP code): it is refused, not guessed at
     */
    public WavClassifier(DigitModel model) {
        this.model = model;
        FeatureSpec spec = FeatureConfigs.toSpec(model.metadata().info().featureConfig());
        if (!spec.id().equals(model.featureConfigId())) {
            throw new IllegalArgumentException("the model says its features are " + model.featureConfigId()
                    + " but its feature configuration is " + spec.id() + " with this DSP code; refusing to guess");
        }
        if (spec.nMels() != model.nMels() || spec.clipFrames() != model.nFrames()) {
            throw new IllegalArgumentException("the model takes " + model.nMels() + "x" + model.nFrames()
                    + " but its feature configuration makes " + spec.nMels() + "x" + spec.clipFrames());
        }
        this.extractor = new LogMelExtractor(spec);
    }

    public FeatureSpec spec() {
        return extractor.spec();
    }

    /** The model input for one file: {@code [nMels*nFrames]}, row-major. */
    public float[] input(Path wav) throws IOException {
        float[][] logMel = extractor.features(WavDecoder.decode(wav));
        float[] flat = new float[logMel.length * logMel[0].length];
        for (int m = 0; m < logMel.length; m++) {
            System.arraycopy(logMel[m], 0, flat, m * logMel[m].length, logMel[m].length);
        }
        return flat;
    }

    public Result classify(Path wav) throws IOException {
        float[] p = model.predict(input(wav));
        int digit = 0;
        for (int d = 1; d < p.length; d++) {
            if (p[d] > p[digit]) {
                digit = d;
            }
        }
        return new Result(wav, digit, p[digit], p);
    }
}
