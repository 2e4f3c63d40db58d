/** Benchmarks (JMH and the durability benchmark) and the {@code keel} command line. */
package dev.keel.bench;
