/** Hark classifier-stream: the classifier stream application: classifies features with the champion model; see docs/design.md. */
package dev.hark.classifier;
