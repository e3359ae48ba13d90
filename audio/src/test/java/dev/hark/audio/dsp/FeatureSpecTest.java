package dev.hark.audio.dsp;

import dev.hark.audio.dsp.FeatureSpec.Fit;
import dev.hark.audio.dsp.FeatureSpec.MelNorm;
import dev.hark.audio.dsp.FeatureSpec.MelScale;
import dev.hark.audio.dsp.FeatureSpec.Normalisation;
import dev.hark.audio.dsp.FeatureSpec.PadMode;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeatureSpecTest {

    /**
     * Golden values: the id is a contract with every trained model, so a change here must be deliberate
     * (and come with a dspVersion bump or new defaults). The hash was cross-checked with sha256sum and
     * the float's decimal with Python's Decimal(float(np.float32(1e-6))).
     */
    @Test
    void defaultsHaveAFixedCanonicalFormAndId() {
        FeatureSpec d = FeatureSpec.defaults();
        assertEquals("hark-logmel;dsp_version=1;sample_rate=8000;n_fft=256;win_length=200;hop_length=80;window=hann;"
                + "center=true;pad_mode=reflect;power=2;n_mels=40;f_min=20;f_max=4000;mel_scale=htk;mel_norm=none;"
                + "log_floor=0.0000009999999974752427078783512115478515625;clip_frames=101;fit=center;"
                + "normalisation=utterance-mean-std", d.canonical());
        assertEquals("lm-8cc2b6c46d58", d.id());
    }

    @Test
    void aBuiltSpecEqualToTheDefaultsHasTheSameId() {
        FeatureSpec rebuilt = FeatureSpec.builder().nMels(64).build().toBuilder().nMels(40).build();
        assertEquals(FeatureSpec.defaults(), rebuilt);
        assertEquals(FeatureSpec.defaults().hashCode(), rebuilt.hashCode());
        assertEquals("lm-8cc2b6c46d58", rebuilt.id());
    }

    @Test
    void everyFieldChangesTheId() {
        Map<String, UnaryOperator<FeatureSpec.Builder>> changes = new LinkedHashMap<>();
        changes.put("sampleRate", b -> b.sampleRate(16000));
        changes.put("nFft", b -> b.nFft(512));
        changes.put("winLength", b -> b.winLength(256));
        changes.put("hopLength", b -> b.hopLength(160));
        changes.put("center", b -> b.center(false));
        changes.put("padMode", b -> b.padMode(PadMode.CONSTANT));
        changes.put("power", b -> b.power(1f));
        changes.put("nMels", b -> b.nMels(64));
        changes.put("fMin", b -> b.fMin(20.5f));
        changes.put("fMax", b -> b.fMax(3999f));
        changes.put("melScale", b -> b.melScale(MelScale.SLANEY));
        changes.put("melNorm", b -> b.melNorm(MelNorm.SLANEY));
        changes.put("logFloor", b -> b.logFloor(Math.nextUp(1e-6f)));
        changes.put("clipFrames", b -> b.clipFrames(100));
        changes.put("fit", b -> b.fit(Fit.START));
        changes.put("normalisation", b -> b.normalisation(Normalisation.BAND_MEAN_STD));
        changes.put("dspVersion", b -> b.dspVersion(2));
        // window has a single value today; adding one must extend this test

        Set<String> ids = new HashSet<>();
        ids.add(FeatureSpec.defaults().id());
        for (Map.Entry<String, UnaryOperator<FeatureSpec.Builder>> c : changes.entrySet()) {
            FeatureSpec changed = c.getValue().apply(FeatureSpec.defaults().toBuilder()).build();
            assertTrue(changed.id().matches("lm-[0-9a-f]{12}"), changed.id());
            assertTrue(ids.add(changed.id()), "changing " + c.getKey() + " did not give a new id");
            assertNotEquals(FeatureSpec.defaults(), changed, c.getKey());
        }
        assertEquals(FeatureSpec.Window.values().length, 1, "a new window type needs a case in this test");
    }

    @Test
    void invalidValuesAreRejected() {
        assertInvalid(b -> b.nFft(255), "nFft must be even");
        assertInvalid(b -> b.winLength(300), "winLength must be in 1..nFft");
        assertInvalid(b -> b.hopLength(0), "hopLength");
        assertInvalid(b -> b.fMax(4001f), "above the Nyquist");
        assertInvalid(b -> b.fMin(4000f), "fMin < fMax");
        assertInvalid(b -> b.logFloor(0f), "logFloor");
        assertInvalid(b -> b.power(Float.NaN), "power");
        assertInvalid(b -> b.sampleRate(500), "sampleRate");
        assertInvalid(b -> b.clipFrames(0), "clipFrames");
        assertInvalid(b -> b.nMels(0), "nMels");
    }

    private static void assertInvalid(UnaryOperator<FeatureSpec.Builder> change, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> change.apply(FeatureSpec.builder()).build());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void framesAndClipLength() {
        FeatureSpec d = FeatureSpec.defaults();
        assertEquals(101, d.framesFor(8000));
        assertEquals(1.0, d.clipSeconds(), 1e-12);
        assertEquals(1, d.framesFor(1));
        FeatureSpec noCenter = d.toBuilder().center(false).build();
        assertEquals(0, noCenter.framesFor(255));
        assertEquals(1, noCenter.framesFor(256));
        assertEquals(97, noCenter.framesFor(8000));
    }

    @Test
    void exactDecimalsAreJvmIndependent() {
        assertEquals("0.100000001490116119384765625", FeatureSpec.exact(0.1f));
        assertEquals("4000", FeatureSpec.exact(4000f));
        assertEquals("0", FeatureSpec.exact(0f));
    }
}
