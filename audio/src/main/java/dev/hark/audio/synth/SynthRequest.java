package dev.hark.audio.synth;

/**
 * One utterance to speak.
 *
 * @param rate  duration stretch relative to the voice's own: 1.2 is 20 % longer (slower), 0.85 faster
 * @param pitch F0 relative to the voice's own: 1.1 is 10 % higher; ignored by voices whose pitch does not vary
 */
public record SynthRequest(String text, double rate, double pitch) {

    public SynthRequest {
        if (!(rate > 0) || !(pitch > 0)) {
            throw new IllegalArgumentException("rate and pitch must be positive, got " + rate + " and " + pitch);
        }
    }
}
