package dev.keel.wal;

import dev.keel.aio.NativeFile;
import dev.keel.aio.Storage;
import dev.keel.recovery.DurableCopy;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.SegmentCursor;
import dev.keel.recovery.format.SegmentHeaderDescriptor;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@link Wal#truncateAfter}: with the committer stopped and nothing in flight, finds where the
 * first discarded record starts, deletes later segments, replaces the segment by a copy that
 * ends there (zeros after, durably, so no discarded frame can pass for a record appended later
 * at the same place), and restarts appending there.
 */
final class Truncation {
    private final Wal wal;
    private final LogState state;
    private final Appender appender;

    Truncation(Wal wal, LogState state, Appender appender) {
        this.wal = wal;
        this.state = state;
        this.appender = appender;
    }

    /**
     * Crash-safe in this order: the later segments go first (deleted, directory synced), so a
     * crash leaves a prefix of the old log; then the cut segment is rewritten beside itself (its
     * kept bytes, zeros after) and renamed over itself, so a crash leaves the old segment or the
     * cut one. Zeroing the tail in place could not be: a power cut may persist the zeros over
     * one frame and not over the next, and the old frames left after the hole prove the records
     * in it durable, so recovery would refuse the log (found by the crash-state explorer).
     */
    void truncateAfter(long lsn, NativeFile committerTail) throws IOException {
        Segments segs = wal.segments();
        Segments.Ref target = segs.find(lsn + 1);
        // Its offsets must be whole before appending extends them from the cut (a recovered segment may not be indexed yet).
        target.offsets().build(wal.readContext(), target.path(), target.index(), segs.logId(), lsn,
            wal.options().recoveryMode() == dev.keel.recovery.RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS);
        long cutOffset = findCutOffset(target, lsn + 1);
        long targetBytes = java.nio.file.Files.size(target.path()); // its own size, which the options may no longer say
        if (committerTail != null) {
            committerTail.close();
        }
        segs.deleteAfter(target.index());
        Storage storage = wal.readContext().storage();
        Path rewritten = target.path().resolveSibling(SegmentFiles.preparingName(target.index()));
        DurableCopy.copy(wal.readContext(), target.path(), 0, cutOffset, rewritten, Math.max(targetBytes, cutOffset));
        storage.rename(rewritten, target.path());
        storage.syncDirectory(segs.dir());
        target.channel().reopen(); // a point read must see the new file, not the replaced one
        target.offsets().truncateAfter(lsn);
        state.ring.reset();
        state.durableLsn = lsn;
        state.syncedLsn = Math.min(state.syncedLsn, lsn);
        appender.resetTo(lsn + 1, target.index(), cutOffset, targetBytes);
        wal.restartCommitter(target.index(), segs.openTail(target.index()), cutOffset, targetBytes, lsn);
    }

    /** The file offset of the frame with LSN {@code firstDiscarded}, or where valid data ends. */
    private long findCutOffset(Segments.Ref target, long firstDiscarded) throws IOException {
        try (SegmentCursor c = new SegmentCursor(wal.readContext(), target.path(), target.index(), wal.segments().logId())) {
            long end = SegmentHeaderDescriptor.HEADER_BYTES;
            while (c.next(false)) {
                if (c.type() == dev.keel.recovery.format.FrameDescriptor.TYPE_RECORD && c.lsn() >= firstDiscarded) {
                    return c.frameOffset();
                }
                end = c.endOffset();
            }
            return end;
        }
    }
}
