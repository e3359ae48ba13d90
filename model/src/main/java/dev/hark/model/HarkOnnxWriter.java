package dev.hark.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Writes Hark's digit CNN as an ONNX model: the contract between the trainer and every place a
 * model runs (the classifier stream, {@code hark classify}, {@code hark eval}).
 *
 * <pre>
 * input  "log_mel"        float [N, 1, nMels, nFrames]   (N dynamic)
 * for each conv but the last:  Conv 3x3 (pads 1, stride 1) → Relu → MaxPool 2x2 stride 2 (floor)
 * last conv:                   Conv 3x3 (pads 1, stride 1) → Relu → GlobalAveragePool → Flatten
 *                              → Gemm (transB = 1, weight [10, lastChannels])
 * output "logits"         float [N, 10]
 * output "probabilities"  float [N, 10]   Softmax(axis = 1) of the logits
 * </pre>
 *
 * Opset 17 (IR version 8), readable by ONNX Runtime 1.13 and later. {@link ModelInfo} and the fixed
 * facts ({@code hark.labels}, {@code hark.output}) go into {@code metadata_props}; read them back
 * with {@link HarkOnnxMetadata#read(byte[])}.
 */
public final class HarkOnnxWriter {
    public static final String INPUT = "log_mel";
    public static final String LOGITS = "logits";
    public static final String PROBABILITIES = "probabilities";
    public static final int OPSET = 17;
    public static final int IR_VERSION = 8;

    private HarkOnnxWriter() {
    }

    /** The serialized ONNX model. */
    public static byte[] write(CnnWeights weights, ModelInfo info) {
        return model(weights, info).toByteArray();
    }

    static ModelProto model(CnnWeights weights, ModelInfo info) {
        GraphProto.Builder graph = GraphProto.newBuilder().setName("hark_digit_cnn");
        graph.addInput(tensorInfo(INPUT, "N", 1, weights.nMels(), weights.nFrames()));
        String x = INPUT;
        List<CnnWeights.ConvLayer> convs = weights.convs();
        for (int i = 0; i < convs.size(); i++) {
            CnnWeights.ConvLayer conv = convs.get(i);
            String w = "conv" + i + ".weight";
            String b = "conv" + i + ".bias";
            graph.addInitializer(tensor(w, conv.weight(), conv.out(), conv.in(), 3, 3));
            graph.addInitializer(tensor(b, conv.bias(), conv.out()));
            String convOut = "conv" + i;
            graph.addNode(node("Conv", "conv" + i, List.of(x, w, b), convOut,
                    ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1), ints("strides", 1, 1),
                    ints("dilations", 1, 1), intAttr("group", 1)));
            String relu = "relu" + i;
            graph.addNode(node("Relu", relu, List.of(convOut), relu));
            if (i < convs.size() - 1) {
                String pool = "pool" + i;
                graph.addNode(node("MaxPool", pool, List.of(relu), pool,
                        ints("kernel_shape", 2, 2), ints("strides", 2, 2), intAttr("ceil_mode", 0)));
                x = pool;
            } else {
                x = relu;
            }
        }
        graph.addNode(node("GlobalAveragePool", "gap", List.of(x), "gap"));
        graph.addNode(node("Flatten", "flatten", List.of("gap"), "flat", intAttr("axis", 1)));
        graph.addInitializer(tensor("fc.weight", weights.fcWeight(), CnnWeights.CLASSES, weights.lastChannels()));
        graph.addInitializer(tensor("fc.bias", weights.fcBias(), CnnWeights.CLASSES));
        graph.addNode(node("Gemm", "fc", List.of("flat", "fc.weight", "fc.bias"), LOGITS,
                intAttr("transB", 1)));
        graph.addNode(node("Softmax", "softmax", List.of(LOGITS), PROBABILITIES, intAttr("axis", 1)));
        graph.addOutput(tensorInfo(LOGITS, "N", CnnWeights.CLASSES));
        graph.addOutput(tensorInfo(PROBABILITIES, "N", CnnWeights.CLASSES));

        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("hark")
                .setProducerVersion("1")
                .setDomain("dev.hark")
                .setModelVersion(info.version())
                .setDocString("Hark spoken-digit CNN: log_mel [N,1," + weights.nMels() + "," + weights.nFrames()
                        + "] -> logits, probabilities [N,10]")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph);
        HarkOnnxMetadata.properties(info).forEach((k, v) ->
                model.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return model.build();
    }

    private static ValueInfoProto tensorInfo(String name, String batchDim, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(batchDim));
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)))
                .build();
    }

    private static TensorProto tensor(String name, float[] values, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + java.util.Arrays.toString(dims));
        }
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(raw.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static NodeProto node(String op, String name, List<String> inputs, String output, AttributeProto... attrs) {
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(name).addOutput(output);
        node.addAllInput(new ArrayList<>(inputs));
        for (AttributeProto a : attrs) {
            node.addAttribute(a);
        }
        return node.build();
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }
}
