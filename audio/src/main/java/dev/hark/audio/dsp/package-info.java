/**
 * Log-mel features: the configuration ({@link dev.hark.audio.dsp.FeatureSpec}), the torchaudio-exact
 * mel filterbank ({@link dev.hark.audio.dsp.MelFilterbank}), the extractor
 * ({@link dev.hark.audio.dsp.LogMelExtractor}) and the {@code hark features} report
 * ({@link dev.hark.audio.dsp.FeatureReport}). The choices and their reasons are in docs/dsp.md at the repository
 * root.
 */
package dev.hark.audio.dsp;
