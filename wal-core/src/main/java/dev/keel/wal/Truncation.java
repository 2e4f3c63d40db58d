package dev.keel.wal;

import dev.keel.aio.AddressOf;
import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import dev.keel.aio.SyncMode;
import dev.keel.recovery.SegmentCursor;
import dev.keel.recovery.SegmentHeaderDescriptor;
import org.agrona.BufferUtil;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * {@link Wal#truncateAfter}: with the committer stopped and nothing in flight, finds where the
 * first discarded record starts, zeroes from there to the end of what was written (durably, so
 * no discarded frame can pass for a record appended later at the same place), deletes later
 * segments, and restarts appending there.
 */
final class Truncation {
    private static final int ZERO_CHUNK_BYTES = 1 << 20;

    private final Wal wal;
    private final LogState state;
    private final Appender appender;

    Truncation(Wal wal, LogState state, Appender appender) {
        this.wal = wal;
        this.state = state;
        this.appender = appender;
    }

    void truncateAfter(long lsn, NativeFile committerTail) throws IOException {
        Segments segs = wal.segments();
        Segments.Ref target = segs.find(lsn + 1);
        // Its offsets must be whole before appending extends them from the cut (a recovered segment may not be indexed yet).
        target.offsets().build(wal.readContext(), target.path(), target.index(), segs.logId(), lsn,
            wal.options().recoveryMode() == dev.keel.recovery.RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS);
        long cutOffset = findCutOffset(target, lsn + 1);
        long tailIndex = segs.snapshot().get(segs.count() - 1).index();
        long writtenEnd = target.index() == tailIndex && committerTail != null ? committerTail.size() : wal.options().segmentBytes();
        long targetBytes;
        try (NativeFile f = wal.readContext().storage().open(target.path(), dev.keel.aio.OpenFlag.READ,
            dev.keel.aio.OpenFlag.WRITE)) {
            targetBytes = f.size();
            zero(f, cutOffset, Math.min(writtenEnd, targetBytes));
        }
        if (committerTail != null) {
            committerTail.close();
        }
        segs.deleteAfter(target.index());
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
                if (c.type() == dev.keel.recovery.FrameDescriptor.TYPE_RECORD && c.lsn() >= firstDiscarded) {
                    return c.frameOffset();
                }
                end = c.endOffset();
            }
            return end;
        }
    }

    private void zero(NativeFile f, long from, long to) throws IOException {
        ByteBuffer zeros = BufferUtil.allocateDirectAligned(ZERO_CHUNK_BYTES, 4096);
        AioRequest[] one = {new AioRequest()};
        for (long at = from; at < to; at += ZERO_CHUNK_BYTES) {
            one[0].prepareWrite(f, at, AddressOf.buffer(zeros), (int) Math.min(ZERO_CHUNK_BYTES, to - at));
            if (wal.readContext().submitAndWait(one, 0, 1) != 1 || one[0].result() != one[0].length()) {
                throw new WalFailedException("truncateAfter: zeroing " + f.path() + " at " + at + " failed: " + one[0].errno(), null);
            }
        }
        one[0].prepareSync(f, SyncMode.FILE);
        if (wal.readContext().submitAndWait(one, 0, 1) != 1) {
            throw new WalFailedException("truncateAfter: fsync of " + f.path() + " failed: " + one[0].errno(), null);
        }
    }
}
