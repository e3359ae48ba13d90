package dev.hark.audio.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class SynthPlanTest {

    private static final SynthRange RATE = new SynthRange(0.85, 1.2);
    private static final SynthRange PITCH = new SynthRange(0.8, 1.25);

    @Test
    void theSameArgumentsPlanTheSameClips() {
        assertEquals(new SynthPlan(SynthVoice.ALL, 10, RATE, PITCH, 7).clips(),
                new SynthPlan(SynthVoice.ALL, 10, RATE, PITCH, 7).clips());
        assertNotEquals(new SynthPlan(SynthVoice.ALL, 10, RATE, PITCH, 7).clips(),
                new SynthPlan(SynthVoice.ALL, 10, RATE, PITCH, 8).clips());
    }

    @Test
    void everyClipHasAnFsddNameAndTheWordForItsDigit() {
        List<SynthClip> clips = new SynthPlan(SynthVoice.ALL, 3, RATE, PITCH, 1).clips();
        assertEquals(5 * 10 * 3, clips.size());
        Set<String> names = new HashSet<>();
        for (SynthClip c : clips) {
            assertTrue(c.fileName().matches("\\d_[^_/]+_\\d+\\.wav"), c.fileName());
            assertTrue(names.add(c.fileName()), "twice: " + c.fileName());
        }
        assertEquals("7_flite-kal_2.wav", new SynthPlan(List.of(SynthVoice.KAL), 3, RATE, PITCH, 1).clip(SynthVoice.KAL, 7, 2)
                .fileName());
        assertEquals("seven", clips.stream().filter(c -> c.digit() == 7).findFirst().orElseThrow().text());
        assertEquals("zero", clips.get(0).text());
        assertEquals("festival-kdlpc", SynthVoice.KDLPC.speaker());
    }

    @Test
    void takesVaryWithinTheRangesInHundredths() {
        List<SynthClip> clips = new SynthPlan(SynthVoice.ALL, 10, RATE, PITCH, 1).clips();
        Set<Double> rates = new HashSet<>();
        for (SynthClip c : clips) {
            assertTrue(c.rate() >= 0.85 && c.rate() <= 1.2, c.toString());
            assertEquals(c.rate(), Math.round(c.rate() * 100) / 100.0);
            if (c.voice().pitchVaries()) {
                assertTrue(c.pitch() >= 0.8 && c.pitch() <= 1.25, c.toString());
            } else {
                assertEquals(1.0, c.pitch(), "rms keeps its own pitch");
            }
            rates.add(c.rate());
        }
        assertTrue(rates.size() > 25, "the rates spread over the range: " + rates.size() + " distinct");
        // neighbouring takes (seeds a few bits apart) must not draw alike
        SynthPlan plan = new SynthPlan(List.of(SynthVoice.KAL), 10, RATE, PITCH, 1);
        long alike = 0;
        for (int take = 1; take < 10; take++) {
            alike += plan.clip(SynthVoice.KAL, 3, take).rate() == plan.clip(SynthVoice.KAL, 3, take - 1).rate() ? 1 : 0;
        }
        assertTrue(alike <= 2, alike + " of 9 neighbouring takes share a rate");
    }

    @Test
    void aClipDoesNotDependOnTheOtherVoicesOrTheNumberOfTakes() {
        SynthClip alone = new SynthPlan(List.of(SynthVoice.SLT), 2, RATE, PITCH, 3).clips().get(5);
        SynthPlan all = new SynthPlan(SynthVoice.ALL, 20, RATE, PITCH, 3);
        assertEquals(alone, all.clip(alone.voice(), alone.digit(), alone.take()));
    }

    @Test
    void rangesParseAndSayWhatIsWrong() {
        assertEquals(new SynthRange(0.85, 1.2), SynthRange.parse("0.85-1.2"));
        assertEquals(new SynthRange(1, 1), SynthRange.parse("1"));
        assertEquals("0.85-1.2", SynthRange.parse(" 0.85 - 1.2 ").toString());
        assertEquals("'fast' is not a range LOW-HIGH such as 0.85-1.2",
                assertThrows(IllegalArgumentException.class, () -> SynthRange.parse("fast")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> SynthRange.parse("1.2-0.85"));
        assertThrows(IllegalArgumentException.class, () -> SynthRange.parse("0-1"));
    }

    @Test
    void voicesParseInOrderWithoutRepeats() {
        assertEquals(List.of(SynthVoice.KDLPC, SynthVoice.KAL), SynthVoice.parse("kdlpc, KAL,kal"));
        assertEquals("unknown voice 'bob'; the voices are kal,awb,rms,slt,kdlpc",
                assertThrows(IllegalArgumentException.class, () -> SynthVoice.parse("kal,bob")).getMessage());
    }
}
