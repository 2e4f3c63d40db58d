package dev.keel.bench.durability;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecoverySectionTest {
    private static final long GIB = 1L << 30;

    @Test
    void theLogIsWhatWasAskedForWhenThereIsRoom() {
        assertEquals(4 * GIB, RecoverySection.logBytesFor(4 * GIB, 100 * GIB));
    }

    @Test
    void onASmallDiskItShrinksToHalfTheFreeSpaceInWholeSegments() {
        long scaled = RecoverySection.logBytesFor(4 * GIB, 2 * GIB);
        assertTrue(scaled < GIB && scaled >= RecoverySection.SEGMENT_BYTES, "scaled to " + scaled);
        assertEquals(0, scaled % RecoverySection.SEGMENT_BYTES, "whole segments");
    }

    @Test
    void withNoRoomForOneSegmentItIsSkipped() {
        assertEquals(0, RecoverySection.logBytesFor(4 * GIB, 3 * RecoverySection.SEGMENT_BYTES));
    }
}
