package dev.keel.bench.durability;

import org.HdrHistogram.Histogram;

/** A row of the report with the latencies behind it (kept for the CDF charts; null where nothing was timed per record). */
public record BenchCase(CaseResult result, Histogram latencyNs) {
    static BenchCase of(CaseResult result, Measurement m) {
        return new BenchCase(result, m.latencyNs());
    }

    BenchCase withRatio(Double ratio) {
        return new BenchCase(result.withRatio(ratio), latencyNs);
    }
}
