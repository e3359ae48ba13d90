package dev.hark.trainer;

import dev.hark.trainer.data.LabeledClip;

import java.util.List;

/** {@link SyntheticDigits} for tests in other packages, with clip ids made unique by a prefix. */
public final class SyntheticDigitsAccess {

    public static List<LabeledClip> clips(int perDigitPerSpeaker, String[] speakers, long seed, String idPrefix) {
        return SyntheticDigits.clips(perDigitPerSpeaker, speakers, seed).stream()
                .map(c -> new LabeledClip(idPrefix + "-" + c.name(), c.label(), c.speaker(), c.take(), c.samples()))
                .toList();
    }

    private SyntheticDigitsAccess() {
    }
}
