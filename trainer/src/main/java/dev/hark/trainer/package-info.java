/** Hark trainer: see the README's module map. */
package dev.hark.trainer;
