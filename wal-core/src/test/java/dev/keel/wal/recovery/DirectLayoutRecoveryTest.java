package dev.keel.wal.recovery;

import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.SegmentFiles;
import dev.keel.wal.Durability;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;
import dev.keel.wal.WalReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DIRECT layout on disk and what recovery makes of it: each batch starts on a block and ends
 * with a VOID pad; with several batches in flight a power cut can leave a later batch without an
 * earlier one. When the later frames' unsynced span shows the missing batch was not durable when
 * they were written, both were unacknowledged and the hole is a torn tail (cut); when it shows
 * the missing batch was already durable, the hole is corruption (refused in
 * TOLERATE_CORRUPTED_TAIL).
 */
class DirectLayoutRecoveryTest {
    private static final int BLOCK_BYTES = 4096;

    @TempDir
    Path dir;

    private static WalOptions options() {
        return WalOptions.defaults().segmentBytes(256 << 10).maxRecordBytes(4096).durability(Durability.OPEN_DSYNC);
    }

    /** Six lone appends: each its own batch, its own block. Returns the segment's frames. */
    private List<LogSurgery.Frame> sixLoneBatches() throws IOException {
        try (Wal wal = Wal.open(dir, options().directIo(true))) {
            for (int i = 1; i <= 6; i++) {
                assertEquals(i, wal.append(new byte[100 + i]));
            }
        }
        return LogSurgery.frames(SegmentFiles.segmentPath(dir, 1));
    }

    @Test
    void everyBatchStartsOnABlockAndEndsWithASkippablePad() throws IOException {
        List<LogSurgery.Frame> frames = sixLoneBatches();
        int records = 0;
        for (int i = 0; i < frames.size(); i++) {
            LogSurgery.Frame f = frames.get(i);
            if (f.isRecord()) {
                records++;
                assertEquals(0, f.offsetBytes() % BLOCK_BYTES, "record " + f.lsn() + " starts a block");
                LogSurgery.Frame pad = frames.get(i + 1);
                assertEquals(FrameDescriptor.TYPE_VOID, pad.type(), "a pad follows record " + f.lsn());
                assertEquals(f.lsn(), pad.lsn(), "a pad carries the last record's LSN and uses none");
                assertEquals(0, pad.endOffsetBytes() % BLOCK_BYTES, "the pad ends on the block boundary");
            }
        }
        assertEquals(6, records);
        try (Wal wal = Wal.open(dir, options()); WalReader r = wal.reader(1)) {
            assertTrue(wal.recoveryReport().damage().isEmpty(), wal.recoveryReport().summary());
            for (long lsn = 1; lsn <= 6; lsn++) {
                assertTrue(r.next());
                assertEquals(lsn, r.lsn(), "readers step over the pads");
                assertEquals(100 + lsn, r.payload().remaining());
            }
            assertFalse(r.next());
        }
    }

    @Test
    void aHoleBeforeALaterBatchWrittenWhileItWasUnsyncedIsATornTail() throws IOException {
        List<LogSurgery.Frame> frames = sixLoneBatches();
        crashWithBatchFourMissing(frames, true);
        try (Wal wal = Wal.open(dir, options())) {
            assertEquals(3, wal.lastLsn(), "cut at the hole: " + wal.recoveryReport().summary());
            assertFalse(wal.recoveryReport().damage().isEmpty(), "the cut is reported");
            assertEquals(4, wal.append(new byte[1]), "appending continues after the cut tail");
        }
    }

    @Test
    void aHoleBeforeAFrameWrittenAfterItWasDurableIsCorruption() throws IOException {
        List<LogSurgery.Frame> frames = sixLoneBatches();
        crashWithBatchFourMissing(frames, false);
        assertThrows(CorruptLogException.class, () -> Wal.open(dir, options()), "acknowledged records may be in the hole");
        try (Wal wal = Wal.open(dir, options().recoveryMode(RecoveryMode.POINT_IN_TIME))) {
            assertEquals(3, wal.lastLsn(), wal.recoveryReport().summary());
        }
    }

    /**
     * Leaves what a power cut with batches 4, 5 and 6 in flight could: batch 4's block never
     * landed, 5 and 6 did, no clean close. With {@code unsyncedAfterHole}, frames 5 and 6 say
     * (by their unsynced span) that LSN 4 was not durable when they were written, as they would
     * have at depth 3; without it they keep the lone writer's span of 1 (4 was durable).
     */
    private void crashWithBatchFourMissing(List<LogSurgery.Frame> frames, boolean unsyncedAfterHole) throws IOException {
        LogSurgery.makeCrashed(dir);
        for (LogSurgery.Frame f : frames) {
            if (f.type() == FrameDescriptor.TYPE_COMMIT) {
                LogSurgery.zero(f.segment(), f.offsetBytes(), BLOCK_BYTES); // its block: the marker and its pad
            }
        }
        for (LogSurgery.Frame f : frames) {
            if (f.isRecord() && f.lsn() == 4) {
                LogSurgery.zero(f.segment(), f.offsetBytes(), BLOCK_BYTES);
            } else if (f.isRecord() && f.lsn() > 4 && unsyncedAfterHole) {
                LogSurgery.rewriteFrame(f, f.type(), (int) (f.lsn() - 3));
            }
        }
    }
}
