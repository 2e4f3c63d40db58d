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

    /** The median ratio of interleaved rounds and its spread (none with one round). */
    BenchCase withRatio(Spread ratio) {
        if (ratio == null) {
            return withRatio((Double) null);
        }
        boolean rounds = result.rounds() > 1;
        return new BenchCase(result.withRatio(ratio.median(), rounds ? ratio.min() : null, rounds ? ratio.max() : null), latencyNs);
    }

    BenchCase withDeviceLimit(String limit, Double ratio) {
        return new BenchCase(result.withDeviceLimit(limit, ratio), latencyNs);
    }
}
