package dev.keel.bench.durability;

import org.HdrHistogram.Histogram;

/**
 * What one timed run produced: the records completed inside the measuring window, the window's
 * length, and their latencies in nanoseconds.
 */
public record Measurement(long records, long recordBytes, long windowNs, Histogram latencyNs) {
    /** Latencies from 1 ns to a minute at 3 significant digits: no append on a working disk takes longer. */
    static final long MAX_LATENCY_NS = 60_000_000_000L;
    private static final int SIGNIFICANT_DIGITS = 3;

    static Histogram newHistogram() {
        return new Histogram(MAX_LATENCY_NS, SIGNIFICANT_DIGITS);
    }

    public double recordsPerSec() {
        return windowNs == 0 ? 0 : records * 1e9 / windowNs;
    }

    /** Payload megabytes (10^6 bytes) per second. */
    public double mbPerSec() {
        return recordsPerSec() * recordBytes / 1e6;
    }

    /** Latency at {@code percentile} (0 to 100) in microseconds. */
    public double latencyUs(double percentile) {
        return latencyNs.getTotalCount() == 0 ? 0 : latencyNs.getValueAtPercentile(percentile) / 1000.0;
    }
}
