package dev.hark.audio;

import dev.hark.audio.AudioFormatException.Reason;
import dev.hark.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class WavDecoderTest {

    private static Audio decode(TestWavs w) {
        return WavDecoder.decode(w.build(), "test.wav");
    }

    private static void assertSamples(float[] expected, Audio audio) {
        assertArrayEquals(expected, audio.samples(), 1e-7f, audio.toString());
    }

    @Test
    void pcm16MonoIsScaledBy32768() {
        Audio a = decode(TestWavs.pcm16((short) 0, (short) 16384, (short) -32768, (short) 32767, (short) 1));
        assertSamples(new float[] {0f, 0.5f, -1f, 32767 / 32768f, 1 / 32768f}, a);
        assertEquals(8000, a.sampleRate());
        assertEquals(1, a.sourceChannels());
        assertEquals(SampleFormat.PCM_S16, a.sourceFormat());
    }

    @Test
    void pcm8IsUnsignedAroundOneTwentyEight() {
        TestWavs w = new TestWavs();
        w.bits = 8;
        w.data = w.ints(new int[] {0, 128, 255, 64});
        Audio a = decode(w);
        assertSamples(new float[] {-1f, 0f, 127 / 128f, -0.5f}, a);
        assertEquals(SampleFormat.PCM_U8, a.sourceFormat());
    }

    @Test
    void pcm24() {
        TestWavs w = new TestWavs();
        w.bits = 24;
        w.data = w.ints(new int[] {-8388608, 4194304, 8388607, -1, 0});
        assertSamples(new float[] {-1f, 0.5f, 8388607 / 8388608f, -1 / 8388608f, 0f}, decode(w));
    }

    @Test
    void pcm32() {
        TestWavs w = new TestWavs();
        w.bits = 32;
        w.data = w.ints(new int[] {Integer.MIN_VALUE, 1 << 30, -(1 << 29), 0});
        Audio a = decode(w);
        assertSamples(new float[] {-1f, 0.5f, -0.25f, 0f}, a);
        assertEquals(SampleFormat.PCM_S32, a.sourceFormat());
    }

    @Test
    void float32AndFloat64AreClippedToPlusMinusOne() {
        for (int bits : new int[] {32, 64}) {
            TestWavs w = new TestWavs();
            w.formatTag = TestWavs.FLOAT;
            w.bits = bits;
            w.data = w.floats(new double[] {0.25, -0.75, 1.5, -3.0, 1e-3});
            Audio a = decode(w);
            assertSamples(new float[] {0.25f, -0.75f, 1f, -1f, 1e-3f}, a);
            assertEquals(bits == 32 ? SampleFormat.FLOAT32 : SampleFormat.FLOAT64, a.sourceFormat());
        }
    }

    @Test
    void channelsAreAveraged() {
        TestWavs stereo = new TestWavs();
        stereo.channels = 2;
        stereo.data = stereo.ints(new int[] {16384, -8192, 32767, 32767, -32768, 0});
        Audio a = decode(stereo);
        assertSamples(new float[] {0.125f, 32767 / 32768f, -0.5f}, a);
        assertEquals(2, a.sourceChannels());

        TestWavs six = new TestWavs();
        six.channels = 6;
        six.formatTag = TestWavs.FLOAT;
        six.bits = 32;
        six.data = six.floats(new double[] {0.6, 0.6, 0, 0, 0, 0, -0.3, -0.3, -0.3, -0.3, -0.3, -0.3});
        assertSamples(new float[] {0.2f, -0.3f}, decode(six));
    }

    @Test
    void rifxIsBigEndianThroughout() {
        TestWavs w16 = new TestWavs();
        w16.bigEndian = true;
        w16.data = w16.ints(new int[] {16384, -32768, 1});
        assertSamples(new float[] {0.5f, -1f, 1 / 32768f}, decode(w16));

        TestWavs w24 = new TestWavs();
        w24.bigEndian = true;
        w24.bits = 24;
        w24.channels = 2;
        w24.rate = 44100;
        w24.data = w24.ints(new int[] {4194304, 0, -8388608, -8388608});
        Audio a = decode(w24);
        assertSamples(new float[] {0.25f, -1f}, a);
        assertEquals(44100, a.sampleRate());

        TestWavs wf = new TestWavs();
        wf.bigEndian = true;
        wf.formatTag = TestWavs.FLOAT;
        wf.bits = 64;
        wf.data = wf.floats(new double[] {-0.125, 0.5});
        assertSamples(new float[] {-0.125f, 0.5f}, decode(wf));
    }

    @Test
    void extensiblePcmWith24ValidBitsIn32BitContainers() {
        TestWavs w = new TestWavs();
        w.formatTag = TestWavs.EXTENSIBLE;
        w.subFormat = TestWavs.PCM;
        w.bits = 24; // valid bits, left-justified in 4-byte containers
        w.container = 4;
        w.validBits = 24;
        w.channels = 2;
        w.rate = 48000;
        w.data = w.ints(new int[] {4194304, 4194304, -8388608, 0});
        Audio a = decode(w);
        assertSamples(new float[] {0.5f, -0.5f}, a);
        assertEquals(SampleFormat.PCM_S32, a.sourceFormat());
        assertEquals(48000, a.sampleRate());
    }

    @Test
    void extensibleFloatAndRifxExtensible() {
        for (boolean big : new boolean[] {false, true}) {
            TestWavs w = new TestWavs();
            w.bigEndian = big;
            w.formatTag = TestWavs.EXTENSIBLE;
            w.subFormat = TestWavs.FLOAT;
            w.bits = 32;
            w.data = w.floats(new double[] {0.5, -0.25});
            assertSamples(new float[] {0.5f, -0.25f}, decode(w));
        }
    }

    @Test
    void plainPcmWith20BitsIn24BitContainersIsLeftJustified() {
        TestWavs w = new TestWavs();
        w.bits = 20;
        w.container = 3;
        w.data = w.ints(new int[] {1 << 18, -(1 << 19)});
        assertSamples(new float[] {0.5f, -1f}, decode(w));
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 7999, 11025, 22050, 44100, 96000, 192000, 384000})
    void anyRateInRange(int rate) {
        TestWavs w = TestWavs.pcm16((short) 100, (short) -100);
        w.rate = rate;
        assertEquals(rate, decode(w).sampleRate());
    }

    @Test
    void otherChunksAreSkippedIncludingOddSizedOnes() {
        TestWavs w = TestWavs.pcm16((short) 1000, (short) 2000);
        w.listChunkBytes = 27;
        assertSamples(new float[] {1000 / 32768f, 2000 / 32768f}, decode(w));
    }

    @Test
    void trailingPartialFrameIsIgnored() {
        TestWavs w = new TestWavs();
        w.channels = 2;
        byte[] frames = w.ints(new int[] {16384, 16384, 8192});
        w.data = frames; // one whole stereo frame and half of another
        assertSamples(new float[] {0.5f}, decode(w));
    }

    @Test
    void unknownDataSizeMarkerReadsToTheEnd() {
        TestWavs w = TestWavs.pcm16((short) 1, (short) 2, (short) 3);
        w.declaredDataSize = 0xFFFF_FFFFL;
        assertEquals(3, decode(w).length());
    }

    // ---- errors: each names the file and the problem ----

    private static AudioFormatException rejects(Reason reason, byte[] bytes, String... messageParts) {
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> WavDecoder.decode(bytes, "clips/bad.wav"));
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals("clips/bad.wav", e.source());
        assertTrue(e.getMessage().startsWith("clips/bad.wav: " + reason.code() + ": "), e.getMessage());
        for (String part : messageParts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + part + "' not in: " + e.getMessage());
        }
        return e;
    }

    @Test
    void truncatedDataChunkIsAnErrorSayingSo() {
        short[] second = new short[8000];
        byte[] whole = TestWavs.pcm16(second).build();
        byte[] cut = Arrays.copyOf(whole, 44 + 9000);
        rejects(Reason.TRUNCATED, cut, "data chunk declares 16000 bytes (1.000 s) but only 9000 follow", "cut short");
    }

    @Test
    void truncatedInsideTheHeaders() {
        byte[] whole = TestWavs.pcm16((short) 1).build();
        rejects(Reason.TRUNCATED, Arrays.copyOf(whole, 30), "'fmt ' chunk", "declares 16 bytes");
        rejects(Reason.TRUNCATED, Arrays.copyOf(whole, 39), "before any data chunk");
        rejects(Reason.TRUNCATED, Arrays.copyOf(whole, 8), "shorter than a RIFF header");
    }

    @Test
    void notAWav() {
        rejects(Reason.NOT_WAV, "hello, world".getBytes(StandardCharsets.US_ASCII), "no RIFF/RIFX header", "'hell'");
        rejects(Reason.NOT_WAV, new byte[] {'I', 'D', '3', 4, 0, 0, 0, 0, 0, 0, 0, 0}, "MP3");
        rejects(Reason.NOT_WAV, "fLaC\0\0\0\"".getBytes(StandardCharsets.ISO_8859_1), "FLAC");
        rejects(Reason.NOT_WAV, new byte[0], "empty");
        byte[] avi = TestWavs.pcm16((short) 1).build();
        System.arraycopy(TestWavs.ascii("AVI "), 0, avi, 8, 4);
        rejects(Reason.NOT_WAV, avi, "type 'AVI '");
    }

    @Test
    void unsupportedEncodings() {
        TestWavs mulaw = new TestWavs();
        mulaw.formatTag = TestWavs.MULAW;
        mulaw.bits = 8;
        mulaw.data = new byte[] {1, 2, 3};
        rejects(Reason.UNSUPPORTED_ENCODING, mulaw.build(), "mu-law is not supported");

        TestWavs adpcm = new TestWavs();
        adpcm.formatTag = 0x11;
        adpcm.bits = 4;
        adpcm.blockAlign = 256;
        adpcm.data = new byte[256];
        rejects(Reason.UNSUPPORTED_ENCODING, adpcm.build(), "IMA ADPCM");

        TestWavs extMulaw = new TestWavs();
        extMulaw.formatTag = TestWavs.EXTENSIBLE;
        extMulaw.subFormat = TestWavs.MULAW;
        extMulaw.bits = 8;
        extMulaw.data = new byte[] {1, 2};
        rejects(Reason.UNSUPPORTED_ENCODING, extMulaw.build(), "WAVE_FORMAT_EXTENSIBLE/mu-law");

        TestWavs half = new TestWavs();
        half.formatTag = TestWavs.FLOAT;
        half.bits = 16;
        half.data = new byte[] {0, 0};
        rejects(Reason.UNSUPPORTED_ENCODING, half.build(), "16-bit float");

        TestWavs nibbles = new TestWavs();
        nibbles.bits = 4;
        nibbles.data = new byte[] {0, 0};
        rejects(Reason.UNSUPPORTED_ENCODING, nibbles.build(), "4-bit PCM");

        byte[] rf64 = TestWavs.pcm16((short) 1).build();
        System.arraycopy(TestWavs.ascii("RF64"), 0, rf64, 0, 4);
        rejects(Reason.UNSUPPORTED_ENCODING, rf64, "RF64");
    }

    @Test
    void emptyDataChunk() {
        rejects(Reason.EMPTY, TestWavs.pcm16().build(), "no samples");
        TestWavs lessThanAFrame = new TestWavs();
        lessThanAFrame.channels = 2;
        lessThanAFrame.data = new byte[] {1, 2};
        rejects(Reason.EMPTY, lessThanAFrame.build(), "no samples (2 bytes)");
    }

    @Test
    void rateOutsideOneToThreeEightyFourKilohertz() {
        for (int rate : new int[] {999, 0, 384_001, 2_000_000}) {
            TestWavs w = TestWavs.pcm16((short) 1);
            w.rate = rate;
            rejects(Reason.BAD_RATE, w.build(), "sample rate " + rate + " Hz is outside 1000–384000 Hz");
        }
    }

    @Test
    void malformedHeaders() {
        TestWavs noFmt = TestWavs.pcm16((short) 1);
        noFmt.omitFmt = true;
        rejects(Reason.MALFORMED, noFmt.build(), "data chunk comes before any fmt chunk");

        TestWavs noChannels = TestWavs.pcm16((short) 1);
        noChannels.channels = 0;
        noChannels.blockAlign = 2;
        rejects(Reason.MALFORMED, noChannels.build(), "0 channels");

        TestWavs badAlign = TestWavs.pcm16((short) 1, (short) 2);
        badAlign.channels = 2;
        badAlign.blockAlign = 3;
        rejects(Reason.MALFORMED, badAlign.build(), "block align 3 does not fit 2 channel(s) of 16-bit samples");

        TestWavs nan = new TestWavs();
        nan.formatTag = TestWavs.FLOAT;
        nan.bits = 32;
        nan.channels = 2;
        nan.data = nan.floats(new double[] {0, 0, 0, Double.NaN});
        rejects(Reason.MALFORMED, nan.build(), "sample 3 (frame 1) is NaN");

        byte[] headerOnly = Arrays.copyOf(TestWavs.pcm16().build(), 36);
        headerOnly[4] = 28; // RIFF size now matches: the file is complete, it just has no data chunk
        headerOnly[5] = 0;
        rejects(Reason.MALFORMED, headerOnly, "no data chunk");
    }

    @Test
    void fileTooLargeForAnArrayIsRejectedBeforeReading(@TempDir Path dir) throws IOException {
        Path huge = dir.resolve("huge.wav");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(Integer.MAX_VALUE); // sparse: costs no disk
        }
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> WavDecoder.decode(huge));
        assertEquals(Reason.TOO_LARGE, e.reason());
        assertTrue(e.getMessage().startsWith(huge + ": too-large: "), e.getMessage());
    }

    @Test
    void decodesFromAPathAndNamesItInErrors(@TempDir Path dir) throws IOException {
        Path ok = dir.resolve("ok.wav");
        Files.write(ok, TestWavs.pcm16((short) 8192).build());
        assertSamples(new float[] {0.25f}, WavDecoder.decode(ok));

        Path bad = dir.resolve("bad.wav");
        Files.writeString(bad, "not audio");
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> WavDecoder.decode(bad));
        assertTrue(e.getMessage().startsWith(bad + ": not-wav"), e.getMessage());
    }

    @Test
    void realFsddRecordingDecodesToItsSampleCount() throws IOException {
        Path recordings = SharedData.requireFsdd();
        Path file = recordings.resolve("0_george_0.wav");
        Audio a = WavDecoder.decode(file);
        assertEquals(8000, a.sampleRate());
        assertEquals((Files.size(file) - 44) / 2, a.length());
        float peak = 0;
        for (float v : a.samples()) {
            peak = Math.max(peak, Math.abs(v));
        }
        assertTrue(peak > 0.01 && peak <= 1, "peak " + peak);
    }
}
