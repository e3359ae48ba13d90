/**
 * Signal-level augmentations for training on voices, rooms and microphones the data does not have:
 * {@link dev.hark.audio.dsp.augment.TimeStretch} (tempo without pitch, WSOLA),
 * {@link dev.hark.audio.dsp.augment.PitchShift} (pitch without tempo),
 * {@link dev.hark.audio.dsp.augment.Reverb} (a synthetic room) and
 * {@link dev.hark.audio.dsp.augment.ChannelFilter} (band limits and spectral tilt of a microphone or line).
 *
 * <p>Every transform works on a whole mono float clip at a given rate and returns a new array; the
 * random ones take their randomness as an explicit {@link java.util.random.RandomGenerator}, so the
 * trainer can make every variant reproducible from (seed, epoch, clip). No Kafka, no DJL.
 */
package dev.hark.audio.dsp.augment;
