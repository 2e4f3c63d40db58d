package dev.keel.bench.durability;

import java.util.ArrayList;
import java.util.List;

/**
 * The first appends {@link KeelLog} made, untimed, when it opened each new log (each waits for
 * the log's first segment to be zero-filled and synced), gathered per section so the report can
 * say what they cost: the stall the issue 10 report saw at p999, shown where it comes from
 * instead of inside the latency percentiles. One run at a time per process (the benchmark's).
 */
final class FirstAppends {
    private static final List<Long> NANOS = new ArrayList<>();

    private FirstAppends() {
    }

    static synchronized void record(long ns) {
        NANOS.add(ns);
    }

    /** A line for the report about the first appends since the last call, then forgets them; null when there were none. */
    static synchronized String drain() {
        if (NANOS.isEmpty()) {
            return null;
        }
        List<Long> sorted = new ArrayList<>(NANOS);
        sorted.sort(null);
        NANOS.clear();
        return String.format("keel: the first append of a new log waits for its first segment (%d MiB zero-filled and synced in "
                + "the background from Wal.open): median %.0f ms, max %.0f ms over %d logs. Made when each log was opened, "
                + "before timing, as the peers make their files at open.", dev.keel.wal.WalOptions.DEFAULT_SEGMENT_BYTES >> 20,
            sorted.get(sorted.size() / 2) / 1e6, sorted.get(sorted.size() - 1) / 1e6, sorted.size());
    }
}
