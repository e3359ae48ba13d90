/**
 * {@code hark synth}: synthetic spoken digits from Debian's text-to-speech engines (flite, festival), written as an
 * FSDD-layout dataset ({@code {digit}_{speaker}_{take}.wav}, 8 kHz mono 16-bit, tightly trimmed) with a manifest
 * that says how each clip was made. The engines are separate programs run as processes, so a missing one is a
 * clear message naming its Debian package, never a link error. Why and how: docs/synth.md at the repository root.
 */
package dev.hark.audio.synth;
