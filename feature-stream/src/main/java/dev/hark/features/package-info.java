/** Hark feature-stream: the feature stream application: cuts each device's chunks into utterances and computes their log-mel features; see docs/design.md. */
package dev.hark.features;
