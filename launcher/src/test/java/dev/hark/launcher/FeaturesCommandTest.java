package dev.hark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hark.audio.WavWriter;

class FeaturesCommandTest {

    @Test
    void writesJsonWithTorchaudioNamesAndAPng(@TempDir Path dir) throws Exception {
        float[] tone = new float[8000 / 2];
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (float) (0.3 * Math.sin(2 * Math.PI * 440 * i / 8000.0));
        }
        Path wav = dir.resolve("tone.wav");
        WavWriter.write(wav, tone, 8000);
        Path json = dir.resolve("out.json");
        Path png = dir.resolve("out.png");

        assertEquals(0, Hark.commandLine().execute("features", wav.toString(), "--json", json.toString(),
                "--png", png.toString()));

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        for (String key : new String[] {"sample_rate", "n_fft", "win_length", "hop_length", "f_min", "f_max", "n_mels",
                "window", "center", "pad_mode", "power", "norm", "mel_scale"}) {
            assertTrue(root.path("config").has(key), "config." + key);
        }
        int mels = root.path("config").path("n_mels").asInt();
        assertEquals(mels, root.path("mel").size());
        assertEquals(mels, root.path("log_mel").size());
        assertEquals(1 + 4000 / 80, root.path("mel").get(0).size(), "0.5 s at hop 80, centred: frames before fitting");
        assertEquals(root.path("config").path("clip_frames").asInt(), root.path("log_mel").get(0).size());
        assertTrue(ImageIO.read(png.toFile()).getWidth() > 0);
    }

    @Test
    void aFileThatIsNotAWavIsOneClearErrorLine(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("notes.wav"), "hello");
        assertEquals(ExitCodes.FAILED, Hark.commandLine().execute("features", text.toString()));
    }
}
