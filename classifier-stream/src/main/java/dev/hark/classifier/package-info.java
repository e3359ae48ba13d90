/** Hark classifier-stream: see the README's module map. */
package dev.hark.classifier;
