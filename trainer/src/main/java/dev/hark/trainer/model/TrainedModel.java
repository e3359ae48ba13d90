package dev.hark.trainer.model;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.hark.model.CnnWeights;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A trained {@link DigitCnn} still in DJL: inference for parity checks, and BatchNorm folding for export. */
public final class TrainedModel implements AutoCloseable {

    private final Model model;
    private final Block net;
    private final TrainingOptions options;
    private final int nMels;
    private final int nFrames;
    private final List<EpochStats> history;

    TrainedModel(Model model, Block net, TrainingOptions options, int nMels, int nFrames, List<EpochStats> history) {
        this.model = model;
        this.net = net;
        this.options = options;
        this.nMels = nMels;
        this.nFrames = nFrames;
        this.history = List.copyOf(history);
    }

    public TrainingOptions options() {
        return options;
    }

    public List<EpochStats> history() {
        return history;
    }

    /** Inference mode: BatchNorm uses its running statistics, dropout is off. */
    static NDArray forward(Block net, NDManager manager, NDArray x) {
        return net.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
    }

    /** DJL's logits {@code [n][10]} for model inputs {@code [n][nMels][nFrames]}. */
    public float[][] logits(float[][][] inputs) {
        int n = inputs.length;
        float[][] out = new float[n][];
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        try (NDManager sub = model.getNDManager().newSubManager()) {
            NDArray x = sub.create(FloatBuffer.wrap(CnnTrainer.flatten(ids, inputs, nMels, nFrames)),
                    new Shape(n, 1, nMels, nFrames));
            float[] flat = forward(net, sub, x).toFloatArray();
            for (int i = 0; i < n; i++) {
                out[i] = java.util.Arrays.copyOfRange(flat, i * DigitCnn.CLASSES, (i + 1) * DigitCnn.CLASSES);
            }
        }
        return out;
    }

    /**
     * The weights with every BatchNorm folded into the convolution before it: per output channel c,
     * {@code w'[c] = w[c]·γ[c]/√(var[c]+ε)} and {@code b'[c] = β[c] − mean[c]·γ[c]/√(var[c]+ε)}.
     * The folded network computes the same function in inference mode with fewer operations.
     */
    public CnnWeights folded() {
        Map<String, NDArray> p = new LinkedHashMap<>();
        for (Pair<String, Parameter> e : net.getParameters()) {
            p.put(e.getKey(), e.getValue().getArray());
        }
        List<String> keys = new ArrayList<>(p.keySet());
        List<CnnWeights.ConvLayer> convs = new ArrayList<>();
        int in = 1;
        for (int i = 0; i < keys.size(); i++) {
            if (!keys.get(i).endsWith("Conv2d_weight")) {
                continue;
            }
            String bn = keys.get(i + 1).replace("_gamma", "");
            if (!keys.get(i + 1).endsWith("BatchNorm_gamma")) {
                throw new IllegalStateException("expected BatchNorm after " + keys.get(i) + ", found " + keys.get(i + 1));
            }
            float[] w = p.get(keys.get(i)).toFloatArray();
            float[] gamma = p.get(bn + "_gamma").toFloatArray();
            float[] beta = p.get(bn + "_beta").toFloatArray();
            float[] mean = p.get(bn + "_runningMean").toFloatArray();
            float[] var = p.get(bn + "_runningVar").toFloatArray();
            int out = gamma.length;
            int per = w.length / out;
            float[] wf = new float[w.length];
            float[] bf = new float[out];
            for (int c = 0; c < out; c++) {
                double s = gamma[c] / Math.sqrt(var[c] + (double) DigitCnn.BATCH_NORM_EPSILON);
                for (int k = 0; k < per; k++) {
                    wf[c * per + k] = (float) (w[c * per + k] * s);
                }
                bf[c] = (float) (beta[c] - mean[c] * s);
            }
            convs.add(new CnnWeights.ConvLayer(wf, bf, out, in));
            in = out;
        }
        String lw = keys.get(keys.size() - 2);
        String lb = keys.get(keys.size() - 1);
        if (!lw.endsWith("Linear_weight") || !lb.endsWith("Linear_bias")) {
            throw new IllegalStateException("expected the Linear layer last, found " + lw + ", " + lb);
        }
        return new CnnWeights(convs, p.get(lw).toFloatArray(), p.get(lb).toFloatArray(), nMels, nFrames);
    }

    /**
     * Every parameter of the network, BatchNorm's running statistics included, in DJL's parameter
     * format: what {@link CnnTrainer#train(java.util.List, float[][][], int[], int[], TrainingListener, byte[])}
     * warm-starts from. The ONNX file cannot serve: BatchNorm is folded into it, and fine-tuning needs
     * BatchNorm's scale, shift and statistics apart.
     */
    public byte[] weights() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            net.saveParameters(out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // into memory: cannot happen
        }
        return bytes.toByteArray();
    }

    /** Trainable parameter count. */
    public long parameters() {
        long n = 0;
        for (Pair<String, Parameter> e : net.getParameters()) {
            if (e.getValue().requiresGradient()) {
                n += e.getValue().getArray().size();
            }
        }
        return n;
    }

    @Override
    public void close() {
        model.close();
    }
}
