package dev.hark.trainer.export;

import dev.hark.schemas.FeatureConfigs;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.hark.model.CnnWeights;
import dev.hark.model.HarkOnnxWriter;
import dev.hark.model.ModelInfo;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.trainer.model.TrainedModel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Set;

/**
 * From a trained DJL model to Hark's ONNX file: BatchNorm folded into the convolutions, the graph
 * and metadata written by the classifier's {@link HarkOnnxWriter} (so the stream reads exactly what
 * the trainer writes), and a parity check that ONNX Runtime computes the same logits as DJL.
 */
public final class OnnxExport {

    /** ONNX Runtime and DJL must agree on every logit within this. */
    public static final double PARITY_TOLERANCE = 1e-4;

    private OnnxExport() {
    }

    public static byte[] export(TrainedModel model, FeatureSpec spec, int version) {
        CnnWeights folded = model.folded();
        return HarkOnnxWriter.write(folded, new ModelInfo(version, spec.id(), FeatureConfigs.toAvro(spec)));
    }

    /** Largest |logit difference| between DJL and ONNX Runtime over {@code inputs} ([n][nMels][nFrames]). */
    public static double maxLogitDifference(TrainedModel model, byte[] onnx, float[][][] inputs) {
        float[][] djl = model.logits(inputs);
        float[][] ort = onnxLogits(onnx, inputs);
        double max = 0;
        for (int i = 0; i < inputs.length; i++) {
            for (int k = 0; k < djl[i].length; k++) {
                max = Math.max(max, Math.abs(djl[i][k] - ort[i][k]));
            }
        }
        return max;
    }

    /** The graph's {@code logits} output through ONNX Runtime (one thread; parity, not speed). */
    public static float[][] onnxLogits(byte[] onnx, float[][][] inputs) {
        int n = inputs.length;
        int nMels = inputs[0].length;
        int nFrames = inputs[0][0].length;
        FloatBuffer buf = ByteBuffer.allocateDirect(n * nMels * nFrames * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        for (float[][] clip : inputs) {
            for (float[] row : clip) {
                buf.put(row);
            }
        }
        buf.flip();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(1);
            so.setInterOpNumThreads(1);
            so.addConfigEntry("session.intra_op.allow_spinning", "0");
            try (OrtSession session = env.createSession(onnx, so);
                 OnnxTensor x = OnnxTensor.createTensor(env, buf, new long[] {n, 1, nMels, nFrames});
                 OrtSession.Result r = session.run(Map.of(HarkOnnxWriter.INPUT, x), Set.of(HarkOnnxWriter.LOGITS))) {
                FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
                float[][] logits = new float[n][10];
                for (int i = 0; i < n; i++) {
                    out.get(logits[i]);
                }
                return logits;
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime could not run the exported model: " + e.getMessage(), e);
        }
    }
}
