package dev.keel.wal;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Counters and the sync latency histogram. Appends are counted under the append monitor, batches
 * by the committer alone, so plain fields are enough for the writers; {@link #snapshot} reads
 * them racily (a stats view, not an invariant). HdrHistogram's recorder records without
 * allocating.
 */
final class WalMetrics {
    private static final long MAX_LATENCY_NS = 60_000_000_000L;

    private long appends;
    private long payloadBytes;
    private long syncs;
    private long recordsSynced;
    private final SingleWriterRecorder syncLatency = new SingleWriterRecorder(MAX_LATENCY_NS, 3);
    private final Histogram total = new Histogram(MAX_LATENCY_NS, 3);

    /** Under the append monitor. */
    void appended(int bytes) {
        appends++;
        payloadBytes += bytes;
    }

    /** Committer only. */
    void batchDurable(long latencyNs, long records) {
        syncs++;
        recordsSynced += Math.max(0, records);
        syncLatency.recordValue(Math.min(MAX_LATENCY_NS, Math.max(1, latencyNs)));
    }

    synchronized WalStats snapshot(int segments, long durableLsn, String backend) {
        total.add(syncLatency.getIntervalHistogram());
        long s = syncs;
        return new WalStats(appends, payloadBytes, s, s == 0 ? 0 : (double) recordsSynced / s,
            total.getValueAtPercentile(50) / 1000.0, total.getValueAtPercentile(99) / 1000.0,
            total.getValueAtPercentile(99.9) / 1000.0, segments, durableLsn, backend);
    }
}
