package dev.keel.recovery;

import java.nio.file.Path;

/**
 * A live segment after recovery.
 *
 * @param index the segment index
 * @param path the file
 * @param firstLsn the LSN its first record has (or will have, when it holds none yet)
 * @param lastLsn its last record's LSN; {@code firstLsn - 1} when it holds none
 * @param endOffsetBytes where its valid frames end: appending continues here in the last segment
 */
public record SegmentInfo(long index, Path path, long firstLsn, long lastLsn, long endOffsetBytes) {
    public boolean isEmpty() {
        return lastLsn < firstLsn;
    }
}
