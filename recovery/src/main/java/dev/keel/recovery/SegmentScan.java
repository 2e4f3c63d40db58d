package dev.keel.recovery;

import dev.keel.recovery.format.SegmentHeaderDescriptor;
import java.nio.file.Path;

/**
 * What a scan learned about one segment file. Mutable while scanning.
 */
final class SegmentScan {
    final Path path;
    final long index;
    long fileBytes;
    SegmentHeaderDescriptor.Header header;
    boolean blank;
    /** Why the header cannot be used (unreadable, another log's, another segment's), or null. */
    String headerProblem;
    /** LSN of the first and last record accepted in this segment; 0 when none. */
    long firstLsn;
    long lastLsn;
    long records;
    /** File offset just after the last accepted frame: where appending would continue. */
    long endOffset = SegmentHeaderDescriptor.HEADER_BYTES;
    /** File offset just after the last non-zero byte seen: how far a cut must zero. */
    long dirtyEnd = SegmentHeaderDescriptor.HEADER_BYTES;
    /** LSN named by a COMMIT frame (a clean close), or 0. */
    long commitLsn;

    SegmentScan(Path path, long index) {
        this.path = path;
        this.index = index;
    }
}
