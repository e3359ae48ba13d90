/**
 * Getting audio into the feature pipeline: WAV decoding ({@link dev.hark.audio.WavDecoder}),
 * the int16 PCM that travels on Kafka ({@link dev.hark.audio.Pcm16}), a 16-bit WAV writer
 * ({@link dev.hark.audio.WavWriter}) and resampling to the feature rate
 * ({@link dev.hark.audio.Resampler}). No Kafka here: the trainer and tools use the same code.
 */
package dev.hark.audio;
