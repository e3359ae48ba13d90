/** Hark producer: see the README's module map. */
package dev.hark.producer;
