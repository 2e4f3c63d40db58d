package dev.keel.recovery;

import java.nio.file.Path;
import java.util.List;

/**
 * The log as recovery leaves it: what {@code Wal.open} continues from.
 *
 * @param logId the log's id, or 0 when the directory holds no log yet
 * @param segments live segments in index order; the last one is where appending continues
 * @param spareSegments prepared segment files that hold nothing (all-zero header), after the last live one
 * @param nextLsn the LSN the next record gets
 * @param report what recovery found and did
 */
public record RecoveredLog(long logId, List<SegmentInfo> segments, List<Path> spareSegments, long nextLsn,
                           RecoveryReport report) {
    public long firstLsn() {
        for (SegmentInfo s : segments) {
            if (!s.isEmpty()) {
                return s.firstLsn();
            }
        }
        return 0;
    }

    public long lastLsn() {
        return nextLsn - 1;
    }
}
