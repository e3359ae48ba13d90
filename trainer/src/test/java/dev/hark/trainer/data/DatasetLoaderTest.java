package dev.hark.trainer.data;

import dev.hark.audio.WavWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetLoaderTest {

    static void wav(Path p, int rate, double seconds) throws IOException {
        Files.createDirectories(p.getParent());
        float[] x = new float[(int) (rate * seconds)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.3 * Math.sin(2 * Math.PI * 440 * i / rate));
        }
        WavWriter.write(p, x, rate);
    }

    @Test
    void fsddNamesInOneFolderHaveTheStandardSplit(@TempDir Path dir) throws IOException {
        wav(dir.resolve("recordings/3_jackson_0.wav"), 8000, 0.3);
        wav(dir.resolve("recordings/7_theo_12.wav"), 8000, 0.3);
        Files.writeString(dir.resolve("recordings/notes.wav"), "not audio");
        Files.writeString(dir.resolve("recordings/1_theo_9.wav"), "RIFF but truncated");
        Dataset ds = new DatasetLoader(8000, 2).load(dir, n -> { });
        assertEquals(dev.hark.audio.dataset.DatasetFiles.Layout.FSDD, ds.layout());
        assertTrue(ds.hasStandardSplit());
        assertEquals(2, ds.clips().size());
        LabeledClip c = ds.clips().get(0);
        assertEquals(3, c.label());
        assertEquals("jackson", c.speaker());
        assertEquals(0, c.take());
        assertEquals(List.of("jackson", "theo"), ds.speakers());
        assertEquals(2, ds.failures().size(), "a bad name and a bad file are reported, not dropped");
        assertTrue(ds.failures().stream().anyMatch(f -> f.name().endsWith("notes.wav") && f.reason().contains("no label")));
        assertTrue(ds.failures().stream().anyMatch(f -> f.name().endsWith("1_theo_9.wav")));
    }

    @Test
    void audioMnistLayoutIsResampledAndHasNoStandardSplit(@TempDir Path dir) throws IOException {
        wav(dir.resolve("01/0_01_0.wav"), 48000, 0.5);
        wav(dir.resolve("02/9_02_3.wav"), 48000, 0.5);
        Dataset ds = new DatasetLoader(8000, 1).load(dir, n -> { });
        assertEquals(dev.hark.audio.dataset.DatasetFiles.Layout.AUDIO_MNIST, ds.layout());
        assertFalse(ds.hasStandardSplit());
        assertEquals(4000, ds.clips().get(0).samples().length, "48 kHz is resampled to the feature rate");
        assertEquals(List.of("01", "02"), ds.speakers());
    }

    @Test
    void csvManifestWithBadRowsReported(@TempDir Path dir) throws IOException {
        wav(dir.resolve("a.wav"), 16000, 0.25);
        wav(dir.resolve("sub/b.wav"), 8000, 0.25);
        Files.writeString(dir.resolve("m.csv"), "path,label,speaker\na.wav,4,zoe\nsub/b.wav,5,yan\nc.wav,x,zoe\nd.wav,1\n");
        Dataset ds = new DatasetLoader(8000, 1).load(dir.resolve("m.csv"), n -> { });
        assertEquals(dev.hark.audio.dataset.DatasetFiles.Layout.MANIFEST, ds.layout());
        assertEquals(2, ds.clips().size());
        assertEquals(2000, ds.clips().get(0).samples().length);
        assertEquals(2, ds.failures().size());
        assertTrue(ds.failures().get(0).reason().contains("not a digit"));
        assertTrue(ds.failures().get(1).reason().contains("path,label,speaker"));
    }

    @Test
    void anEmptyFolderIsAClearError(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> new DatasetLoader(8000, 1).load(dir, n -> { }));
        assertTrue(e.getMessage().contains("no .wav files"));
    }
}
