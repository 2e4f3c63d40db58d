package dev.keel.recovery;

import java.nio.file.Path;
import java.util.List;

/**
 * What opening a log found and did.
 *
 * @param mode the recovery mode used
 * @param cleanShutdown true when the log was closed cleanly and opened without a full scan
 * @param segmentsScanned segment files read
 * @param bytesScanned bytes read from them
 * @param recordsFound valid records in the log after recovery
 * @param firstLsn the first LSN after recovery (0 when empty)
 * @param lastLsn the last LSN after recovery (0 when empty)
 * @param bytesCut bytes cut from the log's end (set aside in quarantine, never deleted)
 * @param damage each damaged range found, in log order
 * @param gaps LSNs lost where SKIP_ANY_CORRUPTED_RECORDS skipped damage
 * @param quarantined files written to or moved into {@code quarantine/}
 * @param durationNanos how long recovery took
 */
public record RecoveryReport(RecoveryMode mode, boolean cleanShutdown, int segmentsScanned, long bytesScanned,
                             long recordsFound, long firstLsn, long lastLsn, long bytesCut, List<Damage> damage,
                             List<LsnRange> gaps, List<Path> quarantined, long durationNanos) {

    /** Scan throughput in bytes per second (0 when nothing was read). */
    public double bytesPerSecond() {
        return durationNanos == 0 ? 0 : bytesScanned * 1e9 / durationNanos;
    }

    /** The one-line summary {@code Wal.open} logs. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(recordsFound == 0 ? "empty log" : "LSN " + firstLsn + ".." + lastLsn);
        sb.append(cleanShutdown ? ", clean shutdown (no scan)" : String.format(", scanned %d segments, %.1f MiB in %d ms (%.2f GB/s)",
            segmentsScanned, bytesScanned / 1048576.0, durationNanos / 1_000_000, bytesPerSecond() / 1e9));
        if (bytesCut > 0) {
            sb.append(", cut ").append(bytesCut).append(" bytes of tail");
        }
        if (!damage.isEmpty()) {
            sb.append(", ").append(damage.size()).append(" damaged range(s): ").append(damage.get(0));
        }
        if (!gaps.isEmpty()) {
            sb.append(", LSN gaps ").append(gaps);
        }
        if (!quarantined.isEmpty()) {
            sb.append(", set aside ").append(quarantined.size()).append(" file(s) in quarantine/");
        }
        return sb.append(" [").append(mode).append(']').toString();
    }
}
