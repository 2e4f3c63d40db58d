package dev.keel.wal.recovery;

/**
 * What a damage destroyed and where the log must be cut, worked out on the undamaged layout.
 *
 * @param firstLost the first LSN destroyed (after the last LSN when none is)
 * @param lastLost the last LSN destroyed
 * @param cutSegment the segment where a cut starts
 * @param cutOffsetBytes where in it the cut starts; 0 when the whole segment is set aside
 */
record Expect(long firstLost, long lastLost, long cutSegment, long cutOffsetBytes) {
    static Expect nothingLost(long lastLsn) {
        return new Expect(lastLsn + 1, lastLsn, 0, 0);
    }

    long lostCount() {
        return Math.max(0, lastLost - firstLost + 1);
    }
}
