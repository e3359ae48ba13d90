package dev.hark.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dsp.FeatureSpec.Fit;
import dev.hark.audio.dsp.FeatureSpec.MelNorm;
import dev.hark.audio.dsp.FeatureSpec.MelScale;
import dev.hark.audio.dsp.FeatureSpec.Normalisation;
import dev.hark.audio.dsp.FeatureSpec.PadMode;
import dev.hark.avro.FeatureConfig;

class FeatureConfigsTest {

    @org.junit.jupiter.api.BeforeAll
    static void trustHarkRecords() {
        dev.hark.schemas.serde.TrustedAvroClasses.install();
    }

    @Test
    void avroRoundTripKeepsEveryFieldAndTheId() throws IOException {
        FeatureSpec odd = FeatureSpec.defaults().toBuilder().melScale(MelScale.SLANEY).melNorm(MelNorm.SLANEY)
                .fMin(0.1f).logFloor(1e-10f).fit(Fit.START).normalisation(Normalisation.NONE).center(false)
                .padMode(PadMode.CONSTANT).power(1f).dspVersion(7).build();
        for (FeatureSpec spec : new FeatureSpec[] {FeatureSpec.defaults(), odd}) {
            FeatureConfig avro = FeatureConfigs.toAvro(spec);
            // through Avro binary too, as it travels
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<>(FeatureConfig.class).write(avro, enc);
            enc.flush();
            BinaryDecoder dec = DecoderFactory.get().binaryDecoder(out.toByteArray(), null);
            FeatureConfig back = new SpecificDatumReader<>(FeatureConfig.class).read(null, dec);
            FeatureSpec again = FeatureConfigs.toSpec(back);
            assertEquals(spec, again);
            assertEquals(spec.id(), again.id());
        }
        FeatureConfig d = FeatureConfigs.toAvro(FeatureSpec.defaults());
        assertNull(d.getMelNorm(), "torchaudio's norm=None is Avro null");
        assertEquals("hann", d.getWindow());
        assertEquals("utterance-mean-std", d.getNormalisation());
        assertEquals("slaney", FeatureConfigs.toAvro(odd).getMelNorm());
    }

    @Test
    void unknownNamesFromAvroAreRejectedClearly() {
        FeatureConfig c = FeatureConfigs.toAvro(FeatureSpec.defaults());
        c.setMelScale("bark");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureConfigs.toSpec(c));
        assertEquals("unknown MelScale 'bark'; known: htk, slaney", e.getMessage());
        c.setMelScale("htk");
        c.setWindow("hamming");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FeatureConfigs.toSpec(c)).getMessage()
                .contains("unknown Window 'hamming'"));
    }
}
