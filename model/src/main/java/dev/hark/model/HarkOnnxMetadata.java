package dev.hark.model;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.avro.io.JsonEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

import com.google.protobuf.InvalidProtocolBufferException;

import ai.onnx.proto.OnnxMl;
import dev.hark.avro.FeatureConfig;
import dev.hark.schemas.serde.TrustedAvroClasses;

/**
 * The Hark facts in an ONNX file's {@code metadata_props}:
 *
 * <table>
 * <caption>metadata keys</caption>
 * <tr><td>{@code hark.model_version}</td><td>the version, decimal</td></tr>
 * <tr><td>{@code hark.feature_config_id}</td><td>id of the feature configuration</td></tr>
 * <tr><td>{@code hark.feature_config}</td><td>the {@code dev.hark.avro.FeatureConfig} record as Avro JSON</td></tr>
 * <tr><td>{@code hark.labels}</td><td>{@code 0,1,2,3,4,5,6,7,8,9}: class index → digit</td></tr>
 * <tr><td>{@code hark.output}</td><td>the output to use: {@code probabilities}</td></tr>
 * </table>
 *
 * @param info   version and feature configuration
 * @param labels the class labels, in output order
 * @param output the name of the output to serve
 * @param all    every metadata property of the file
 */
public record HarkOnnxMetadata(ModelInfo info, String labels, String output, Map<String, String> all) {
    public static final String MODEL_VERSION = "hark.model_version";
    public static final String FEATURE_CONFIG_ID = "hark.feature_config_id";
    public static final String FEATURE_CONFIG = "hark.feature_config";
    public static final String LABELS = "hark.labels";
    public static final String OUTPUT = "hark.output";
    public static final String DIGIT_LABELS = "0,1,2,3,4,5,6,7,8,9";

    /** The metadata properties the writer stores for {@code info}, in order. */
    public static Map<String, String> properties(ModelInfo info) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put(MODEL_VERSION, Integer.toString(info.version()));
        props.put(FEATURE_CONFIG_ID, info.featureConfigId());
        props.put(FEATURE_CONFIG, toJson(info.featureConfig()));
        props.put(LABELS, DIGIT_LABELS);
        props.put(OUTPUT, HarkOnnxWriter.PROBABILITIES);
        return props;
    }

    /** Reads the metadata of an ONNX model (parses the protobuf; no native code). */
    public static HarkOnnxMetadata read(byte[] onnx) {
        OnnxMl.ModelProto model;
        try {
            model = OnnxMl.ModelProto.parseFrom(onnx);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model (" + onnx.length + " bytes): " + e.getMessage(), e);
        }
        Map<String, String> props = new LinkedHashMap<>();
        for (OnnxMl.StringStringEntryProto p : model.getMetadataPropsList()) {
            props.put(p.getKey(), p.getValue());
        }
        return fromProperties(props);
    }

    /**
     * The same ONNX model with {@code hark.model_version} set to {@code version} (the classifier
     * loads a release only when the file's version is the release's): every other byte of the graph
     * and metadata is kept.
     */
    public static byte[] withVersion(byte[] onnx, int version) {
        read(onnx); // a Hark model, or a clear error
        OnnxMl.ModelProto model;
        try {
            model = OnnxMl.ModelProto.parseFrom(onnx);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model: " + e.getMessage(), e);
        }
        OnnxMl.ModelProto.Builder b = model.toBuilder();
        for (int i = 0; i < b.getMetadataPropsCount(); i++) {
            if (b.getMetadataProps(i).getKey().equals(MODEL_VERSION)) {
                b.setMetadataProps(i, b.getMetadataProps(i).toBuilder().setValue(Integer.toString(version)));
            }
        }
        return b.build().toByteArray();
    }

    /** Reads the Hark facts from metadata properties (e.g. ONNX Runtime's custom metadata map). */
    public static HarkOnnxMetadata fromProperties(Map<String, String> props) {
        for (String key : new String[] {MODEL_VERSION, FEATURE_CONFIG_ID, FEATURE_CONFIG}) {
            if (!props.containsKey(key)) {
                throw new IllegalArgumentException("not a Hark model: metadata_props has no " + key
                        + " (has " + props.keySet() + ")");
            }
        }
        int version;
        try {
            version = Integer.parseInt(props.get(MODEL_VERSION).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MODEL_VERSION + " is not a number: " + props.get(MODEL_VERSION), e);
        }
        FeatureConfig config = fromJson(props.get(FEATURE_CONFIG));
        return new HarkOnnxMetadata(new ModelInfo(version, props.get(FEATURE_CONFIG_ID), config),
                props.getOrDefault(LABELS, DIGIT_LABELS), props.getOrDefault(OUTPUT, HarkOnnxWriter.PROBABILITIES),
                Map.copyOf(props));
    }

    /** A feature configuration as Avro JSON. */
    public static String toJson(FeatureConfig config) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            JsonEncoder encoder = EncoderFactory.get().jsonEncoder(FeatureConfig.getClassSchema(), out);
            new SpecificDatumWriter<>(FeatureConfig.class).write(config, encoder);
            encoder.flush();
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The inverse of {@link #toJson}. */
    public static FeatureConfig fromJson(String json) {
        TrustedAvroClasses.install();
        try {
            return new SpecificDatumReader<>(FeatureConfig.class).read(null,
                    DecoderFactory.get().jsonDecoder(FeatureConfig.getClassSchema(), json));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(FEATURE_CONFIG + " is not a FeatureConfig in Avro JSON: " + e.getMessage(), e);
        }
    }
}
