/**
 * Benchmarks: the durability benchmark ({@code keel bench}) and the JMH suites. {@link KeelWithBench}
 * is the {@code keel} command line of the tools module with {@code bench} added.
 */
package dev.keel.bench;
