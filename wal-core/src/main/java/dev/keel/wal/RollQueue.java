package dev.keel.wal;

/**
 * Where the appenders moved to a new segment, in ring-position order: pushed under the append
 * monitor before the first frame of the new segment is published, popped by the committer when
 * its scan reaches that frame. The frame's release-ordered publish makes the entry visible.
 */
final class RollQueue {
    private final long[] positions;
    private final long[] segmentIndexes;
    private final long[] firstLsns;
    private volatile long produced;
    private long consumed;

    RollQueue(int capacity) {
        positions = new long[capacity];
        segmentIndexes = new long[capacity];
        firstLsns = new long[capacity];
    }

    /** Under the append monitor; false when full (the appender waits like for a full ring). */
    boolean push(long ringPosition, long segmentIndex, long firstLsn) {
        long p = produced;
        if (p - consumedSnapshot >= positions.length) {
            return false;
        }
        int i = (int) (p % positions.length);
        positions[i] = ringPosition;
        segmentIndexes[i] = segmentIndex;
        firstLsns[i] = firstLsn;
        produced = p + 1;
        return true;
    }

    /** Takes back the last push (its frame could not be reserved after all). Under the monitor. */
    void unpush() {
        produced = produced - 1;
    }

    /** The consumer's progress as the appenders last saw it (updated by the committer). */
    private volatile long consumedSnapshot;

    /** The ring position of the next roll, or -1. Committer only. */
    long nextPosition() {
        return consumed < produced ? positions[(int) (consumed % positions.length)] : -1;
    }

    long nextSegmentIndex() {
        return segmentIndexes[(int) (consumed % positions.length)];
    }

    long nextFirstLsn() {
        return firstLsns[(int) (consumed % positions.length)];
    }

    void pop() {
        consumed++;
        consumedSnapshot = consumed;
    }

    void clear() {
        consumed = produced;
        consumedSnapshot = consumed;
    }
}
