package dev.hark.model;

import java.util.List;

/**
 * The weights of Hark's digit CNN, BatchNorm already folded into the convolutions: everything
 * {@link HarkOnnxWriter} needs to write the model. All arrays are row-major float32.
 *
 * <p>Architecture (fixed, see {@link HarkOnnxWriter}): for every conv but the last,
 * {@code Conv3x3(pad 1) → Relu → MaxPool 2x2/2}; the last conv is
 * {@code Conv3x3(pad 1) → Relu → GlobalAveragePool → Flatten → Gemm}.
 *
 * @param convs    the convolutions in order; the first has {@code in = 1}, each next {@code in} is the previous {@code out}
 * @param fcWeight {@code [classes][lastChannels]}
 * @param fcBias   {@code [classes]}
 * @param nMels    input height (mel bands)
 * @param nFrames  input width (frames)
 */
public record CnnWeights(List<ConvLayer> convs, float[] fcWeight, float[] fcBias, int nMels, int nFrames) {

    public static final int CLASSES = 10;

    /**
     * One 3×3 convolution.
     *
     * @param weight {@code [out][in][3][3]}
     * @param bias   {@code [out]}
     */
    public record ConvLayer(float[] weight, float[] bias, int out, int in) {
        public ConvLayer {
            if (out < 1 || in < 1) {
                throw new IllegalArgumentException("a conv layer needs out >= 1 and in >= 1, was out=" + out + " in=" + in);
            }
            if (weight.length != out * in * 9) {
                throw new IllegalArgumentException("conv weight must have out*in*3*3 = " + out * in * 9
                        + " values, has " + weight.length);
            }
            if (bias.length != out) {
                throw new IllegalArgumentException("conv bias must have out = " + out + " values, has " + bias.length);
            }
        }
    }

    public CnnWeights {
        convs = List.copyOf(convs);
        if (convs.isEmpty()) {
            throw new IllegalArgumentException("the CNN needs at least one conv layer");
        }
        int in = 1;
        for (int i = 0; i < convs.size(); i++) {
            if (convs.get(i).in() != in) {
                throw new IllegalArgumentException("conv " + i + " takes " + convs.get(i).in() + " channels but gets " + in);
            }
            in = convs.get(i).out();
        }
        if (fcBias.length != CLASSES) {
            throw new IllegalArgumentException("fc bias must have " + CLASSES + " values, has " + fcBias.length);
        }
        if (fcWeight.length != CLASSES * in) {
            throw new IllegalArgumentException("fc weight must be [" + CLASSES + "][" + in + "] = " + CLASSES * in
                    + " values, has " + fcWeight.length);
        }
        int h = nMels;
        int w = nFrames;
        for (int i = 0; i < convs.size() - 1; i++) {
            h /= 2;
            w /= 2;
        }
        if (nMels < 1 || nFrames < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("input " + nMels + "x" + nFrames + " is too small for "
                    + (convs.size() - 1) + " 2x2 max-pools");
        }
    }

    /** Channels of the last conv (the Gemm's input width). */
    public int lastChannels() {
        return convs.get(convs.size() - 1).out();
    }

    /** Number of weights and biases. */
    public long parameters() {
        long n = fcWeight.length + fcBias.length;
        for (ConvLayer c : convs) {
            n += c.weight().length + c.bias().length;
        }
        return n;
    }

    /**
     * Random weights (He-style scale) for tests and benchmarks.
     *
     * @param channels out channels of each conv, e.g. 16, 32, 64, 96 (the trainer's default)
     */
    public static CnnWeights random(long seed, int nMels, int nFrames, int... channels) {
        java.util.Random random = new java.util.Random(seed);
        java.util.List<ConvLayer> convs = new java.util.ArrayList<>();
        int in = 1;
        for (int out : channels) {
            float[] w = new float[out * in * 9];
            float scale = (float) Math.sqrt(2.0 / (in * 9));
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) random.nextGaussian() * scale;
            }
            float[] b = new float[out];
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) random.nextGaussian() * 0.1f;
            }
            convs.add(new ConvLayer(w, b, out, in));
            in = out;
        }
        float[] fw = new float[CLASSES * in];
        float scale = (float) Math.sqrt(1.0 / in);
        for (int i = 0; i < fw.length; i++) {
            fw[i] = (float) random.nextGaussian() * scale;
        }
        float[] fb = new float[CLASSES];
        for (int i = 0; i < fb.length; i++) {
            fb[i] = (float) random.nextGaussian() * 0.1f;
        }
        return new CnnWeights(convs, fw, fb, nMels, nFrames);
    }
}
