/**
 * Log-mel features: the configuration ({@link dev.hark.features.dsp.FeatureSpec}), the torchaudio-exact
 * mel filterbank ({@link dev.hark.features.dsp.MelFilterbank}), the extractor
 * ({@link dev.hark.features.dsp.LogMelExtractor}) and the {@code hark features} report
 * ({@link dev.hark.features.dsp.FeatureReport}). The choices and their reasons are in DSP.md at the
 * module root.
 */
package dev.hark.features.dsp;
