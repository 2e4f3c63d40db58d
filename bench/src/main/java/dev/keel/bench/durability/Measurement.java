package dev.keel.bench.durability;

import org.HdrHistogram.Histogram;

/**
 * What one timed run produced: the records completed inside the measuring window, the window's
 * length, their latencies in nanoseconds, and the CPU time the whole process used during the
 * window (every thread, the kernel's work on its behalf included: io_uring's io-wq workers are
 * threads of the process). Rounds of the same case add up with {@link #plus}.
 */
public record Measurement(long records, long recordBytes, long windowNs, Histogram latencyNs, long processCpuNs) {
    /** Latencies from 1 ns to a minute at 3 significant digits: no append on a working disk takes longer. */
    static final long MAX_LATENCY_NS = 60_000_000_000L;
    /** Below this many samples the 99.9th percentile is the maximum, and the report marks it so. */
    static final long SAMPLES_FOR_P999 = 1000;
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

    /** Latency samples behind the percentiles. */
    public long samples() {
        return latencyNs.getTotalCount();
    }

    /** Process CPU microseconds per record completed in the window; null when nothing completed. */
    public Double cpuUsPerRecord() {
        return records == 0 ? null : processCpuNs / 1000.0 / records;
    }

    /** Rounds of one case added up ({@link #plus}); null for none. */
    public static Measurement sum(java.util.List<Measurement> rounds) {
        Measurement total = null;
        for (Measurement m : rounds) {
            total = total == null ? m : total.plus(m);
        }
        return total;
    }

    /** This run and {@code other} (another round of the same case) as one: records, windows, latencies and CPU added. */
    public Measurement plus(Measurement other) {
        if (other.recordBytes != recordBytes) {
            throw new IllegalArgumentException("rounds of one case have one record size: " + recordBytes + " and "
                + other.recordBytes);
        }
        Histogram h = latencyNs.copy();
        h.add(other.latencyNs);
        return new Measurement(records + other.records, recordBytes, windowNs + other.windowNs, h,
            processCpuNs + other.processCpuNs);
    }
}
