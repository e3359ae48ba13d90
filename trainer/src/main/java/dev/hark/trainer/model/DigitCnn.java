package dev.hark.trainer.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;

import java.util.Arrays;

/**
 * Hark's digit CNN for a log-mel batch {@code [N,1,mels,frames]} → 10 logits. Per channel count:
 * 3×3 convolution (no bias: BatchNorm follows and is folded into it on export) → BatchNorm → ReLU,
 * then 2×2 max-pooling except after the last; then global average pooling, dropout and one linear
 * layer. Global pooling makes the head independent of the input size and keeps the model small
 * (about 100 k parameters with the default channels), which is what fast CPU inference needs.
 *
 * <p>The export (see {@code dev.hark.trainer.export}) depends on this exact layer order.
 */
public final class DigitCnn {

    public static final int CLASSES = 10;
    public static final int[] DEFAULT_CHANNELS = {16, 32, 64, 96};
    /** DJL's BatchNorm default epsilon; the fold on export must use the same. */
    public static final float BATCH_NORM_EPSILON = 1e-5f;

    private DigitCnn() {
    }

    public static Block build(int[] channels, float dropout) {
        if (channels.length < 1) {
            throw new IllegalArgumentException("at least one convolution is needed");
        }
        SequentialBlock net = new SequentialBlock();
        for (int i = 0; i < channels.length; i++) {
            net.add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                    .setFilters(channels[i]).optBias(false).build());
            net.add(BatchNorm.builder().optEpsilon(BATCH_NORM_EPSILON).build());
            net.add(Activation::relu);
            if (i < channels.length - 1) {
                net.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
            }
        }
        net.add(Pool.globalAvgPool2dBlock());
        if (dropout > 0) {
            net.add(Dropout.builder().optRate(dropout).build());
        }
        net.add(Linear.builder().setUnits(CLASSES).build());
        return net;
    }

    public static String describe(int[] channels) {
        return "conv3x3-bn-relu " + Arrays.toString(channels) + " with 2x2 max-pool between, global average pool, linear 10";
    }
}
