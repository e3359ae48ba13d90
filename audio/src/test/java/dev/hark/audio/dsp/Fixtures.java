package dev.hark.audio.dsp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/** Reads the torchaudio reference files made by src/test/python/make_mel_fixtures.py. */
final class Fixtures {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {
    }

    static JsonNode read(String name) {
        String path = "/fixtures/mel/" + name;
        try (InputStream in = Fixtures.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is missing: run src/test/python/make_mel_fixtures.py");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[] floats(String base64) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    static float[][] matrix(String base64, int rows, int cols) {
        float[] flat = floats(base64);
        if (flat.length != rows * cols) {
            throw new IllegalStateException("expected " + rows + "x" + cols + " values, got " + flat.length);
        }
        float[][] m = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * cols, m[r], 0, cols);
        }
        return m;
    }

    /** A FeatureSpec from torchaudio MelSpectrogram arguments, our own fields left at their defaults. */
    static FeatureSpec spec(JsonNode c) {
        return FeatureSpec.builder()
                .sampleRate(c.get("sample_rate").asInt())
                .nFft(c.get("n_fft").asInt())
                .winLength(c.get("win_length").asInt())
                .hopLength(c.get("hop_length").asInt())
                .fMin((float) c.get("f_min").asDouble())
                .fMax((float) c.get("f_max").asDouble())
                .nMels(c.get("n_mels").asInt())
                .window(FeatureSpec.Window.parse(c.get("window").asText()))
                .center(c.get("center").asBoolean())
                .padMode(FeatureSpec.PadMode.parse(c.get("pad_mode").asText()))
                .power((float) c.get("power").asDouble())
                .melNorm(FeatureSpec.MelNorm.parse(c.get("norm").isNull() ? null : c.get("norm").asText()))
                .melScale(FeatureSpec.MelScale.parse(c.get("mel_scale").asText()))
                .build();
    }

    static double maxAbs(float[][] m) {
        double max = 0;
        for (float[] row : m) {
            for (float v : row) {
                max = Math.max(max, Math.abs(v));
            }
        }
        return max;
    }

    static double maxAbsDiff(float[][] a, float[][] b) {
        double max = 0;
        for (int r = 0; r < a.length; r++) {
            for (int c = 0; c < a[r].length; c++) {
                max = Math.max(max, Math.abs(a[r][c] - b[r][c]));
            }
        }
        return max;
    }
}
