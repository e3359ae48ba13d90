package dev.hark.audio.synth;

import java.util.List;

/**
 * One clip of the set: a digit spoken by a voice, at the rate and pitch drawn for this take.
 *
 * @param take 0-based, per digit per voice, as FSDD numbers its takes
 */
public record SynthClip(SynthVoice voice, int digit, int take, double rate, double pitch) {

    /** The words, as FSDD's speakers said them. */
    public static final List<String> WORDS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine");

    public SynthClip {
        if (digit < 0 || digit > 9) {
            throw new IllegalArgumentException("digit must be 0-9, got " + digit);
        }
    }

    public String text() {
        return WORDS.get(digit);
    }

    /** {@code {digit}_{speaker}_{take}.wav}, which DatasetFiles reads as FSDD. */
    public String fileName() {
        return digit + "_" + voice.speaker() + "_" + take + ".wav";
    }

    public SynthRequest request() {
        return new SynthRequest(text(), rate, pitch);
    }
}
