package dev.hark.model;

/**
 * A plain-Java forward pass of the architecture {@link HarkOnnxWriter} writes: slow and obvious, the
 * reference that ONNX Runtime's output is checked against.
 */
public final class CnnReference {
    private CnnReference() {
    }

    /** Logits {@code [10]} for one input {@code [nMels*nFrames]} (row-major {@code [mel][frame]}). */
    public static float[] logits(CnnWeights weights, float[] input) {
        int h = weights.nMels();
        int w = weights.nFrames();
        if (input.length != h * w) {
            throw new IllegalArgumentException("input has " + input.length + " values, the model takes " + h + "x" + w);
        }
        float[] x = input.clone();
        int c = 1;
        for (int i = 0; i < weights.convs().size(); i++) {
            CnnWeights.ConvLayer conv = weights.convs().get(i);
            x = conv3x3(x, c, h, w, conv);
            c = conv.out();
            for (int j = 0; j < x.length; j++) {
                x[j] = Math.max(0f, x[j]);
            }
            if (i < weights.convs().size() - 1) {
                x = maxPool2(x, c, h, w);
                h /= 2;
                w /= 2;
            }
        }
        float[] pooled = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int j = 0; j < h * w; j++) {
                sum += x[ch * h * w + j];
            }
            pooled[ch] = (float) (sum / (h * w));
        }
        float[] logits = new float[CnnWeights.CLASSES];
        for (int k = 0; k < logits.length; k++) {
            double sum = weights.fcBias()[k];
            for (int ch = 0; ch < c; ch++) {
                sum += (double) weights.fcWeight()[k * c + ch] * pooled[ch];
            }
            logits[k] = (float) sum;
        }
        return logits;
    }

    /** Softmax of the logits. */
    public static float[] probabilities(CnnWeights weights, float[] input) {
        return softmax(logits(weights, input));
    }

    public static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] p = new float[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }

    private static float[] conv3x3(float[] x, int inC, int h, int w, CnnWeights.ConvLayer conv) {
        float[] y = new float[conv.out() * h * w];
        float[] k = conv.weight();
        for (int o = 0; o < conv.out(); o++) {
            for (int r = 0; r < h; r++) {
                for (int col = 0; col < w; col++) {
                    double sum = conv.bias()[o];
                    for (int i = 0; i < inC; i++) {
                        for (int dr = -1; dr <= 1; dr++) {
                            int rr = r + dr;
                            if (rr < 0 || rr >= h) {
                                continue;
                            }
                            for (int dc = -1; dc <= 1; dc++) {
                                int cc = col + dc;
                                if (cc < 0 || cc >= w) {
                                    continue;
                                }
                                sum += (double) k[((o * inC + i) * 3 + dr + 1) * 3 + dc + 1] * x[(i * h + rr) * w + cc];
                            }
                        }
                    }
                    y[(o * h + r) * w + col] = (float) sum;
                }
            }
        }
        return y;
    }

    private static float[] maxPool2(float[] x, int c, int h, int w) {
        int oh = h / 2;
        int ow = w / 2;
        float[] y = new float[c * oh * ow];
        for (int ch = 0; ch < c; ch++) {
            for (int r = 0; r < oh; r++) {
                for (int col = 0; col < ow; col++) {
                    int base = (ch * h + 2 * r) * w + 2 * col;
                    y[(ch * oh + r) * ow + col] = Math.max(Math.max(x[base], x[base + 1]), Math.max(x[base + w], x[base + w + 1]));
                }
            }
        }
        return y;
    }
}
