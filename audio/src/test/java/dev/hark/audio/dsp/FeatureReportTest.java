package dev.hark.audio.dsp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hark.audio.WavWriter;
import dev.hark.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FeatureReportTest {

    /** A 0.6 s, 16 kHz sweep written as a WAV: exercises decoding, resampling and padding in one go. */
    private static Path sweep(Path dir) throws IOException {
        int rate = 16000;
        float[] x = new float[(int) (0.6 * rate)];
        for (int i = 0; i < x.length; i++) {
            double t = i / (double) rate;
            x[i] = (float) (0.4 * Math.sin(2 * Math.PI * (200 * t + 2500 * t * t)));
        }
        Path wav = dir.resolve("sweep.wav");
        WavWriter.write(wav, x, rate);
        return wav;
    }

    @Test
    void jsonHasTorchaudioArgumentNamesAndBothMatrices(@TempDir Path dir) throws IOException {
        FeatureReport r = FeatureReport.of(sweep(dir), FeatureSpec.defaults());
        Path out = dir.resolve("f.json");
        r.writeJson(out);
        JsonNode j = new ObjectMapper().readTree(out.toFile());

        assertEquals(List.of("file", "audio", "config", "mel", "log_mel"), names(j));
        JsonNode c = j.get("config");
        assertEquals(List.of("sample_rate", "n_fft", "win_length", "hop_length", "f_min", "f_max", "n_mels", "window",
                "center", "pad_mode", "power", "norm", "mel_scale", "id", "log_floor", "clip_frames", "fit",
                "normalisation", "dsp_version"), names(c));
        assertEquals(8000, c.get("sample_rate").asInt());
        assertTrue(c.get("norm").isNull());
        assertEquals("hann", c.get("window").asText());
        assertEquals(FeatureSpec.defaults().id(), c.get("id").asText());
        assertEquals(1e-6, c.get("log_floor").asDouble(), 1e-12);
        assertEquals(16000, j.get("audio").get("sample_rate").asInt());

        // mel at the feature rate before fitting: 0.6 s -> 4800 samples -> 61 frames
        JsonNode mel = j.get("mel");
        assertEquals(40, mel.size());
        assertEquals(61, mel.get(0).size());
        JsonNode logMel = j.get("log_mel");
        assertEquals(40, logMel.size());
        assertEquals(101, logMel.get(0).size());
        for (int m = 0; m < 40; m += 13) {
            for (int t = 0; t < 101; t += 17) {
                assertEquals(r.logMel()[m][t], logMel.get(m).get(t).floatValue(), 0f, "log_mel is exactly what the model sees");
            }
            assertEquals(r.mel()[m][30], mel.get(m).get(30).floatValue(), 0f);
        }
        // and it is what the extractor gives for the same file
        float[][] direct = new LogMelExtractor(FeatureSpec.defaults()).features(dev.hark.audio.WavDecoder.decode(dir.resolve("sweep.wav")));
        assertEquals(0.0, Fixtures.maxAbsDiff(direct, r.logMel()));
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void pngIsAValidImageOfTheDocumentedSize(@TempDir Path dir) throws IOException {
        FeatureReport r = FeatureReport.of(sweep(dir), FeatureSpec.defaults());
        Path png = dir.resolve("f.png");
        r.writePng(png);
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
        assertEquals(0x89, head[0] & 0xff);
        assertEquals("PNG", new String(head, 1, 3, java.nio.charset.StandardCharsets.US_ASCII));
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "ImageIO could not read it back");
        assertEquals(FeatureReport.IMAGE_WIDTH, img.getWidth());
        assertEquals(FeatureReport.IMAGE_HEIGHT, img.getHeight());
        // the plots are coloured (viridis has no greys), the margins are white
        assertEquals(0xFFFFFF, img.getRGB(5, 5) & 0xFFFFFF);
        int plot = img.getRGB(400, 200) & 0xFFFFFF;
        assertTrue(((plot >> 16) & 0xff) != (plot & 0xff), "plot pixel is grey: " + Integer.toHexString(plot));
    }

    @Test
    void summaryNamesTheFileConfigurationShapesAndRange(@TempDir Path dir) throws IOException {
        Path wav = sweep(dir);
        String s = FeatureReport.of(wav, FeatureSpec.defaults()).summary();
        assertTrue(s.contains(wav.toString()), s);
        assertTrue(s.contains("lm-8cc2b6c46d58"), s);
        assertTrue(s.contains("9600 samples at 16000 Hz"), s);
        assertTrue(s.contains("resampled   to 8000 Hz: 4800 samples"), s);
        assertTrue(s.contains("mel         40 x 61"), s);
        assertTrue(s.contains("61 frames padded to 101 with ln(floor) (20 before, 20 after)"), s);
        assertTrue(s.contains("log_mel     40 x 101"), s);
        assertTrue(s.contains("mean 0.000, std 1.000"), s);
    }

    /** Writes the report of a real recording to target/ so a person can look at it. */
    @Test
    void realRecordingReportForInspection() throws IOException {
        Path recordings = SharedData.requireFsdd();
        FeatureReport r = FeatureReport.of(recordings.resolve("7_theo_30.wav"), FeatureSpec.defaults());
        Path out = Path.of("target", "feature-report");
        Files.createDirectories(out);
        r.writePng(out.resolve("7_theo_30.png"));
        r.writeJson(out.resolve("7_theo_30.json"));
        Files.writeString(out.resolve("7_theo_30.txt"), r.summary());
        assertTrue(Files.size(out.resolve("7_theo_30.png")) > 10_000);
    }
}
