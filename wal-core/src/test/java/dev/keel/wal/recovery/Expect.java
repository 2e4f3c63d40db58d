package dev.keel.wal.recovery;

/**
 * What a damage destroyed and where the log must be cut, worked out on the undamaged layout.
 *
 * @param firstLost the first LSN destroyed (after the last LSN when none is)
 * @param lastLost the last LSN destroyed
 * @param cutSegment the segment where a cut starts
 * @param cutOffsetBytes where in it the cut starts; 0 when the whole segment is set aside
 * @param skipKeepsAll true when only a segment header is damaged: SKIP then keeps every record
 *     (no gap), while a cut still ends the log before the segment
 * @param damagedRanges how many damaged ranges an open that does not throw reports
 */
record Expect(long firstLost, long lastLost, long cutSegment, long cutOffsetBytes, boolean skipKeepsAll, int damagedRanges) {
    Expect(long firstLost, long lastLost, long cutSegment, long cutOffsetBytes) {
        this(firstLost, lastLost, cutSegment, cutOffsetBytes, false, 1);
    }

    static Expect nothingLost(long lastLsn) {
        return new Expect(lastLsn + 1, lastLsn, 0, 0);
    }

    long lostCount() {
        return Math.max(0, lastLost - firstLost + 1);
    }
}
