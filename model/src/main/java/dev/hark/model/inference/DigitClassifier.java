package dev.hark.model.inference;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.hark.audio.Audio;
import dev.hark.audio.WavDecoder;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dsp.LogMelExtractor;
import dev.hark.schemas.FeatureConfigs;

/**
 * Audio in, a digit out: the one way Hark classifies, used by the classifier stream, {@code hark
 * classify}, {@code hark eval} and the trainer's evaluation.
 *
 * <ul>
 *   <li><b>Audio</b> ({@link #classify(Path)}, {@link #classify(Audio)}, {@link #classify(float[], int)}):
 *       decoding ({@link WavDecoder}), resampling to the model's rate and log-mel ({@link LogMelExtractor})
 *       with the model's own {@link FeatureSpec}, read from its ONNX metadata, then the model.</li>
 *   <li><b>Feature matrices</b> ({@link #classify(String, float[][])},
 *       {@link #classify(String, int, DigitModel.InputWriter)}): features computed elsewhere (the feature
 *       stream); the caller says which feature configuration made them, and a batch made with another
 *       one is refused ({@link FeatureMismatchException}) before the model sees it.</li>
 * </ul>
 *
 * Every answer is a {@link Classification} ({@link Classification#of}: the argmax). The classifier
 * does not own the model: closing the model is its owner's business. Thread-safe.
 */
public final class DigitClassifier {

    /** Features made with a feature configuration the model was not trained on. */
    public static final class FeatureMismatchException extends IllegalArgumentException {
        private final String featureConfigId;

        FeatureMismatchException(String featureConfigId, String message) {
            super(message);
            this.featureConfigId = featureConfigId;
        }

        /** The feature configuration id of the refused features. */
        public String featureConfigId() {
            return featureConfigId;
        }
    }

    private final DigitModel model;
    /** Made on first use of audio (the stream, classifying feature matrices, never needs it). */
    private volatile LogMelExtractor extractor;

    /** Classifies with {@code model}; its feature configuration is read from its metadata when audio is first classified. */
    public DigitClassifier(DigitModel model) {
        this.model = model;
    }

    /**
     * Classifies with {@code model}, computing features with {@code extractor} (one already built for the
     * model's configuration, e.g. shared by many evaluations).
     *
     * @throws FeatureMismatchException when {@code extractor} computes other features than the model's
     */
    public DigitClassifier(DigitModel model, LogMelExtractor extractor) {
        this.model = model;
        checkFeatures(extractor.spec().id());
        checkShape(extractor.spec());
        this.extractor = extractor;
    }

    public DigitModel model() {
        return model;
    }

    /** The id of the feature configuration the model was trained on. */
    public String featureConfigId() {
        return model.featureConfigId();
    }

    /**
     * The model's feature configuration, from its metadata.
     *
     * @throws IllegalArgumentException when the configuration does not hash to the id the model claims (a
     *                                  model made with other DSP code: it is refused, not guessed at), or makes
     *                                  matrices of another shape than the model takes
     */
    public FeatureSpec spec() {
        return extractor().spec();
    }

    private LogMelExtractor extractor() {
        LogMelExtractor e = extractor;
        if (e == null) {
            FeatureSpec spec = FeatureConfigs.toSpec(model.metadata().info().featureConfig());
            if (!spec.id().equals(model.featureConfigId())) {
                throw new IllegalArgumentException("the model says its features are " + model.featureConfigId()
                        + " but its feature configuration is " + spec.id() + " with this DSP code; refusing to guess");
            }
            checkShape(spec);
            e = new LogMelExtractor(spec);
            extractor = e;
        }
        return e;
    }

    private void checkShape(FeatureSpec spec) {
        if (spec.nMels() != model.nMels() || spec.clipFrames() != model.nFrames()) {
            throw new IllegalArgumentException("model version " + model.version() + " takes " + model.nMels() + "x"
                    + model.nFrames() + " but its feature configuration makes " + spec.nMels() + "x" + spec.clipFrames());
        }
    }

    /**
     * Refuses features made with another configuration than the model's.
     *
     * @throws FeatureMismatchException naming both configurations
     */
    public void checkFeatures(String featureConfigId) {
        if (!model.featureConfigId().equals(featureConfigId)) {
            throw new FeatureMismatchException(featureConfigId, "features " + featureConfigId + ", but model version "
                    + model.version() + " was trained on " + model.featureConfigId()
                    + "; it is not applied to other features");
        }
    }

    // ---- audio ----

    /** A WAV file's digit. */
    public Classification classify(Path wav) throws IOException {
        return classify(WavDecoder.decode(wav));
    }

    /** Mono PCM at {@code sampleRate} (resampled to the model's rate when it differs). */
    public Classification classify(float[] pcm, int sampleRate) {
        return classify(Audio.mono(pcm, sampleRate));
    }

    /** Decoded audio at any rate. */
    public Classification classify(Audio audio) {
        return Classification.of(model.predict(input(audio)));
    }

    /** The model input for decoded audio at any rate: {@code [nMels*nFrames]}, row-major {@code [mel][frame]}. */
    public float[] input(Audio audio) {
        return flatten(extractor().features(audio));
    }

    /** The model input for a signal already at the model's rate ({@link #spec()}{@code .sampleRate()}). */
    public float[] input(float[] samplesAtModelRate) {
        return flatten(extractor().logMel(samplesAtModelRate));
    }

    // ---- feature matrices ----

    /**
     * A batch of feature matrices, each {@code [nMels*nFrames]} row-major, all made with {@code featureConfigId}.
     *
     * @throws FeatureMismatchException when that is not the model's configuration
     */
    public List<Classification> classify(String featureConfigId, float[][] batch) {
        checkFeatures(featureConfigId);
        float[][] p = model.predict(batch);
        List<Classification> out = new ArrayList<>(p.length);
        for (float[] clip : p) {
            out.add(Classification.of(clip));
        }
        return out;
    }

    /**
     * The lowest-copy form of {@link #classify(String, float[][])}: {@code input} writes the {@code n}
     * matrices, all made with {@code featureConfigId}, into the model's input buffer
     * ({@link DigitModel#predictFlat}).
     *
     * @throws FeatureMismatchException when that is not the model's configuration
     */
    public List<Classification> classify(String featureConfigId, int n, DigitModel.InputWriter input) {
        checkFeatures(featureConfigId);
        if (n == 0) {
            return List.of();
        }
        float[] flat = model.predictFlat(n, input);
        int classes = flat.length / n;
        List<Classification> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(Classification.of(java.util.Arrays.copyOfRange(flat, i * classes, (i + 1) * classes)));
        }
        return out;
    }

    private static float[] flatten(float[][] m) {
        int cols = m[0].length;
        float[] out = new float[m.length * cols];
        for (int r = 0; r < m.length; r++) {
            System.arraycopy(m[r], 0, out, r * cols, cols);
        }
        return out;
    }

    @Override
    public String toString() {
        return "DigitClassifier[" + model + "]";
    }
}
