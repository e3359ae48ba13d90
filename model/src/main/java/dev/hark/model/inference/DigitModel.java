package dev.hark.model.inference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.hark.model.CnnReference;
import dev.hark.model.HarkOnnxMetadata;
import dev.hark.model.HarkOnnxWriter;

/**
 * One Hark ONNX model in ONNX Runtime: one {@link OrtSession} shared by every thread that calls
 * {@link #predict}. The same class serves the classifier stream, {@code hark classify} and
 * {@code hark eval}.
 *
 * <ul>
 *   <li>Session: {@code intraOpThreads} (default 1) intra-op threads, 1 inter-op thread, sequential
 *       execution, thread spinning off ({@code session.intra_op.allow_spinning = 0},
 *       {@code session.inter_op.allow_spinning = 0}), all graph optimisations.</li>
 *   <li>Input: a direct, native-order {@link FloatBuffer} per calling thread, reused between calls
 *       (ONNX Runtime reads it in place); every {@link OnnxTensor} and {@link OrtSession.Result} is
 *       closed before {@code predict} returns.</li>
 *   <li>Lifetime: reference counted. {@link #close()} drops the owner's reference; the session is
 *       closed when the last in-flight {@code predict} (or {@link #tryRetain() retained} user) has
 *       finished, so a model can be retired while other threads still use it.</li>
 * </ul>
 *
 * A model must carry Hark's metadata ({@link HarkOnnxMetadata}) and take {@code log_mel}
 * {@code [N,1,nMels,nFrames]}; it serves its {@code probabilities} output, or the softmax of
 * {@code logits} when it has only those.
 */
public final class DigitModel implements AutoCloseable {

    /** Session settings. */
    public record Options(int intraOpThreads, OrtSession.SessionOptions.OptLevel optimization) {
        public Options {
            if (intraOpThreads < 1) {
                throw new IllegalArgumentException("intraOpThreads must be at least 1, was " + intraOpThreads);
            }
        }

        public Options(int intraOpThreads) {
            this(intraOpThreads, OrtSession.SessionOptions.OptLevel.ALL_OPT);
        }

        public static Options defaults() {
            return new Options(1);
        }
    }

    /** A model that cannot be loaded: not ONNX, not a Hark model, or a shape ONNX Runtime refuses. */
    public static final class LoadException extends RuntimeException {
        public LoadException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final ThreadLocal<FloatBuffer> INPUT_BUFFER = new ThreadLocal<>();

    private final OrtEnvironment env;
    private final OrtSession session;
    private final HarkOnnxMetadata metadata;
    private final String output;
    private final boolean softmax;
    private final int nMels;
    private final int nFrames;
    private final int classes;
    private final AtomicInteger refs = new AtomicInteger(1);
    private final AtomicBoolean closed = new AtomicBoolean();

    private DigitModel(OrtEnvironment env, OrtSession session, HarkOnnxMetadata metadata, String output,
                       boolean softmax, int nMels, int nFrames, int classes) {
        this.env = env;
        this.session = session;
        this.metadata = metadata;
        this.output = output;
        this.softmax = softmax;
        this.nMels = nMels;
        this.nFrames = nFrames;
        this.classes = classes;
    }

    public static DigitModel load(Path file, Options options) throws IOException {
        try {
            return load(Files.readAllBytes(file), options);
        } catch (LoadException e) {
            throw new LoadException(file + ": " + e.getMessage(), e.getCause());
        }
    }

    /** Loads a model; the session is complete when this returns (nothing is loaded lazily). */
    public static DigitModel load(byte[] onnx, Options options) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(options.intraOpThreads());
            so.setInterOpNumThreads(1);
            so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            so.setOptimizationLevel(options.optimization());
            so.addConfigEntry("session.intra_op.allow_spinning", "0");
            so.addConfigEntry("session.inter_op.allow_spinning", "0");
            session = env.createSession(onnx, so);
        } catch (OrtException | RuntimeException e) {
            throw new LoadException("ONNX Runtime cannot load the model (" + onnx.length + " bytes): " + e.getMessage(), e);
        }
        try {
            HarkOnnxMetadata metadata = HarkOnnxMetadata.fromProperties(session.getMetadata().getCustomMetadata());
            NodeInfo input = session.getInputInfo().get(HarkOnnxWriter.INPUT);
            if (input == null || !(input.getInfo() instanceof TensorInfo in)) {
                throw new IllegalArgumentException("the model has no tensor input '" + HarkOnnxWriter.INPUT
                        + "' (inputs: " + session.getInputNames() + ")");
            }
            long[] shape = in.getShape();
            if (shape.length != 4 || shape[1] != 1 || shape[2] < 1 || shape[3] < 1) {
                throw new IllegalArgumentException("input '" + HarkOnnxWriter.INPUT + "' must be [N,1,nMels,nFrames], is "
                        + Arrays.toString(shape));
            }
            Set<String> outputs = session.getOutputNames();
            String wanted = metadata.output();
            String output;
            boolean softmax;
            if (outputs.contains(wanted)) {
                output = wanted;
                softmax = HarkOnnxWriter.LOGITS.equals(wanted);
            } else if (outputs.contains(HarkOnnxWriter.PROBABILITIES)) {
                output = HarkOnnxWriter.PROBABILITIES;
                softmax = false;
            } else if (outputs.contains(HarkOnnxWriter.LOGITS)) {
                output = HarkOnnxWriter.LOGITS;
                softmax = true;
            } else {
                throw new IllegalArgumentException("the model has neither '" + HarkOnnxWriter.PROBABILITIES
                        + "' nor '" + HarkOnnxWriter.LOGITS + "' output (outputs: " + outputs + ")");
            }
            long[] outShape = ((TensorInfo) session.getOutputInfo().get(output).getInfo()).getShape();
            int classes = (int) outShape[outShape.length - 1];
            if (classes != 10) {
                throw new IllegalArgumentException("output '" + output + "' has " + classes + " classes, a digit model has 10");
            }
            return new DigitModel(env, session, metadata, output, softmax, (int) shape[2], (int) shape[3], classes);
        } catch (OrtException | RuntimeException e) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // already failing
            }
            throw new LoadException("not a usable Hark model: " + e.getMessage(), e);
        }
    }

    public HarkOnnxMetadata metadata() {
        return metadata;
    }

    public int version() {
        return metadata.info().version();
    }

    public String featureConfigId() {
        return metadata.info().featureConfigId();
    }

    public int nMels() {
        return nMels;
    }

    public int nFrames() {
        return nFrames;
    }

    /** Values per clip: {@code nMels * nFrames}. */
    public int inputSize() {
        return nMels * nFrames;
    }

    /** Probabilities over digits 0..9 for one clip ({@code [nMels*nFrames]}, row-major {@code [mel][frame]}). */
    public float[] predict(float[] clip) {
        return predict(new float[][] {clip})[0];
    }

    /** Probabilities {@code [n][10]} for a batch of clips, each {@code [nMels*nFrames]}. */
    public float[][] predict(float[][] batch) {
        int n = batch.length;
        float[][] result = new float[n][];
        if (n == 0) {
            return result;
        }
        float[] flat = predictFlat(n, buffer -> {
            for (float[] clip : batch) {
                if (clip.length != inputSize()) {
                    throw new IllegalArgumentException("a clip has " + clip.length + " values, the model takes "
                            + nMels + "x" + nFrames + " = " + inputSize());
                }
                buffer.put(clip);
            }
        });
        for (int i = 0; i < n; i++) {
            result[i] = Arrays.copyOfRange(flat, i * classes, (i + 1) * classes);
        }
        return result;
    }

    /** Fills the input of a batch of {@code n} clips. */
    @FunctionalInterface
    public interface InputWriter {
        void write(FloatBuffer input);
    }

    /**
     * The lowest-copy form: {@code writer} puts exactly {@code n * inputSize()} floats into the
     * (direct) input buffer; returns the probabilities {@code [n*10]}, row-major.
     */
    public float[] predictFlat(int n, InputWriter writer) {
        if (!tryRetain()) {
            throw new IllegalStateException("model version " + version() + " is closed");
        }
        try {
            FloatBuffer input = inputBuffer(n * inputSize());
            writer.write(input);
            if (input.position() != n * inputSize()) {
                throw new IllegalArgumentException("the batch input has " + input.position() + " values, "
                        + n + " clips need " + n * inputSize());
            }
            input.flip();
            float[] out = new float[n * classes];
            try (OnnxTensor tensor = OnnxTensor.createTensor(env, input, new long[] {n, 1, nMels, nFrames});
                 OrtSession.Result result = session.run(Map.of(HarkOnnxWriter.INPUT, tensor), Set.of(output))) {
                FloatBuffer values = ((OnnxTensor) result.get(0)).getFloatBuffer();
                values.get(out);
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime failed on a batch of " + n + ": " + e.getMessage(), e);
            }
            if (softmax) {
                for (int i = 0; i < n; i++) {
                    float[] p = CnnReference.softmax(Arrays.copyOfRange(out, i * classes, (i + 1) * classes));
                    System.arraycopy(p, 0, out, i * classes, classes);
                }
            }
            return out;
        } finally {
            release();
        }
    }

    private static FloatBuffer inputBuffer(int floats) {
        FloatBuffer buffer = INPUT_BUFFER.get();
        if (buffer == null || buffer.capacity() < floats) {
            buffer = ByteBuffer.allocateDirect(Math.max(floats, 64 * 1024) * Float.BYTES)
                    .order(ByteOrder.nativeOrder()).asFloatBuffer();
            INPUT_BUFFER.set(buffer);
        }
        buffer.clear();
        buffer.limit(floats);
        return buffer;
    }

    /**
     * Takes a reference so the session stays open until the matching {@link #release()}; false once
     * the model has been closed and every user has finished.
     */
    public boolean tryRetain() {
        while (true) {
            int n = refs.get();
            if (n <= 0) {
                return false;
            }
            if (refs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    public void release() {
        int left = refs.decrementAndGet();
        if (left == 0) {
            try {
                session.close();
            } catch (OrtException e) {
                throw new IllegalStateException("closing the ONNX Runtime session of version " + version() + ": " + e, e);
            }
        } else if (left < 0) {
            throw new IllegalStateException("model version " + version() + " released more often than retained");
        }
    }

    /** True once the session itself is closed (owner closed and no user left). */
    public boolean isSessionClosed() {
        return refs.get() <= 0;
    }

    /** Drops the owner's reference; the session closes when the last user releases it. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            release();
        }
    }

    @Override
    public String toString() {
        return "DigitModel[version " + version() + ", " + featureConfigId() + ", " + nMels + "x" + nFrames + ", output "
                + output + "]";
    }
}
