/** Hark feature-stream: see the README's module map. */
package dev.hark.features;
