package dev.hark.audio.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.hark.audio.Audio;
import dev.hark.audio.WavDecoder;

/** The real engines on this machine: each voice speaks, is made an FSDD-like clip, and varies as the docs say. */
class SynthEngineTest {

    @ParameterizedTest
    @ValueSource(strings = {"kal", "awb", "rms", "slt", "kdlpc"})
    void eachVoiceMakesANonSilentTrimmed8kHzClipOfAPlausibleLength(String name, @TempDir Path dir) throws IOException {
        SynthVoice voice = SynthVoice.named(name);
        SynthEngine engine = Engines.require(voice);
        Path work = Files.createDirectory(dir.resolve("work"));
        SynthClip clip = new SynthClip(voice, 7, 0, 1.0, 1.0);
        Audio spoken = engine.speak(voice, List.of(clip.request()), work).get(0);

        SynthManifest.Row row = Synthesizer.save(clip, spoken, dir);
        Audio written = WavDecoder.decode(dir.resolve(row.file()));
        assertEquals(8000, written.sampleRate());
        assertEquals(1, written.sourceChannels());
        assertEquals(dev.hark.audio.SampleFormat.PCM_S16, written.sourceFormat());
        double seconds = written.durationSeconds();
        // FSDD's "seven"s last 0.3–0.8 s; an engine's comes with silence around it that the trim removes
        assertTrue(seconds > 0.25 && seconds < 1.2, name + ": " + seconds + " s");
        assertTrue(seconds < spoken.durationSeconds(), name + ": the trim removed nothing");
        assertTrue(rms(written.samples(), 0, written.length()) > 0.02, name + ": too quiet to be speech");
        // trimmed to the word: its first and last 20 ms (the padding) are much quieter than the clip as a whole
        int pad = (int) (SilenceTrim.PAD_SECONDS * 8000);
        double whole = rms(written.samples(), 0, written.length());
        assertTrue(rms(written.samples(), 0, pad / 2) < whole / 3, name + ": starts loud: not trimmed to the word?");
        assertTrue(rms(written.samples(), written.length() - pad / 2, written.length()) < whole / 3, name + ": ends loud");
    }

    @ParameterizedTest
    @ValueSource(strings = {"kal", "awb", "rms", "slt", "kdlpc"})
    void rateStretchesAndPitchRaisesWhereTheVoiceVaries(String name, @TempDir Path dir) throws IOException {
        SynthVoice voice = SynthVoice.named(name);
        SynthEngine engine = Engines.require(voice);
        List<Audio> a = engine.speak(voice, List.of(new SynthRequest("nine", 0.8, 0.8), new SynthRequest("nine", 1.3, 0.8),
                new SynthRequest("nine", 0.8, 1.25)), dir);
        double fast = trimmed(a.get(0)).length;
        double slow = trimmed(a.get(1)).length;
        assertTrue(slow > 1.2 * fast, name + ": rate 1.3 gave " + slow + " samples, rate 0.8 " + fast);
        if (voice.pitchVaries()) {
            double low = Engines.medianF0(a.get(0).samples(), a.get(0).sampleRate());
            double high = Engines.medianF0(a.get(2).samples(), a.get(2).sampleRate());
            // 1.25 / 0.8 = 1.56 asked for; the engines' contours land within a few percent of it
            assertTrue(high > 1.35 * low, name + ": pitch 1.25 gave " + high + " Hz, pitch 0.8 " + low + " Hz");
        }
    }

    /** Why rms does not vary its pitch: flite ignores f0_shift for it. If a later flite honours it, vary rms too. */
    @Test
    void fliteRmsIgnoresItsPitchSetting(@TempDir Path dir) throws IOException {
        SynthEngine engine = Engines.require(SynthVoice.RMS);
        SynthVoice asIfItVaried = new SynthVoice("rms", SynthEngine.Kind.FLITE, "rms", "flite", true);
        List<Audio> a = engine.speak(asIfItVaried, List.of(new SynthRequest("nine", 1.0, 0.8),
                new SynthRequest("nine", 1.0, 1.25)), dir);
        assertArrayEquals(a.get(0).samples(), a.get(1).samples());
    }

    @ParameterizedTest
    @ValueSource(strings = {"kal", "slt", "kdlpc"})
    void theSameRequestsGiveTheSameSamplesEveryTime(String name, @TempDir Path dir) throws IOException {
        SynthVoice voice = SynthVoice.named(name);
        SynthEngine engine = Engines.require(voice);
        List<SynthRequest> requests = List.of(new SynthRequest("three", 1.07, 0.93), new SynthRequest("eight", 0.9, 1.1));
        List<Audio> first = engine.speak(voice, requests, Files.createDirectory(dir.resolve("a")));
        // and in another batch, after another request: festival keeps state between clips, which must not leak
        List<Audio> second = engine.speak(voice, List.of(new SynthRequest("one", 1.2, 1.2), requests.get(1),
                requests.get(0)), Files.createDirectory(dir.resolve("b")));
        assertArrayEquals(first.get(0).samples(), second.get(2).samples());
        assertArrayEquals(first.get(1).samples(), second.get(1).samples());
        assertNotEquals(first.get(0).length(), second.get(0).length());
    }

    @Test
    void aVoiceFliteDoesNotHaveIsNamedWithThePackageNotSpokenWithTheDefault() {
        Engines.require(SynthVoice.KAL);
        Optional<String> missing = new FliteEngine().missing(
                new SynthVoice("nosuch", SynthEngine.Kind.FLITE, "nosuch", "flite", true));
        assertTrue(missing.isPresent());
        assertTrue(missing.get().contains("no voice 'nosuch'") && missing.get().endsWith("apt-get install flite"),
                missing.get());
    }

    @Test
    void aVoiceFestivalDoesNotHaveIsNamedWithItsPackage() {
        Engines.require(SynthVoice.KDLPC);
        Optional<String> missing = new FestivalEngine().missing(
                new SynthVoice("nosuch", SynthEngine.Kind.FESTIVAL, "nosuch_diphone", "festvox-nosuch", true));
        assertEquals(Optional.of("festival has no voice nosuch_diphone; install it with: apt-get install festvox-nosuch"),
                missing);
    }

    @Test
    void anEngineThatIsNotInstalledIsOneLineNamingItsPackages() {
        // runs everywhere: a program that is not there is the same on every machine
        assertEquals(Optional.of("/nonexistent/flite is not installed; install it with: apt-get install flite"),
                new FliteEngine("/nonexistent/flite").missing(SynthVoice.SLT));
        assertEquals(Optional.of("/nonexistent/festival is not installed; install it with: apt-get install festival "
                + "festvox-kdlpc16k"), new FestivalEngine("/nonexistent/festival").missing(SynthVoice.KDLPC));
    }

    private static float[] trimmed(Audio a) {
        return SilenceTrim.trim(a.samples(), a.sampleRate());
    }

    private static double rms(float[] x, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (double) x[i] * x[i];
        }
        return Math.sqrt(sum / Math.max(1, to - from));
    }
}
