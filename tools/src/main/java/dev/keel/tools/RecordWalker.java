package dev.keel.tools;

import dev.keel.aio.AioContext;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.SegmentCursor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Walks a log's records in LSN order for {@code keel dump}: read-only and without the writer's
 * lock, segment by segment through {@link SegmentCursor}, starting at the segment that holds
 * {@code fromLsn}. Markers (COMMIT, VOID) are stepped over. The walk ends at the end of the valid
 * data; {@link #stop()} then says whether that was the clean end of the log or damage. Whether
 * damage is a torn tail or worse is recovery's question, not the walker's.
 */
final class RecordWalker implements AutoCloseable {
    private final AioContext ctx;
    private final List<HeaderProbe> segments;
    private final long fromLsn;
    private final long logId;
    private int nextSegment;
    private HeaderProbe current;
    private SegmentCursor cursor;
    private StopPoint stop;

    RecordWalker(AioContext ctx, List<HeaderProbe> segments, long fromLsn) {
        this.ctx = ctx;
        this.segments = segments;
        this.fromLsn = fromLsn;
        HeaderProbe first = segments.stream().filter(HeaderProbe::valid).findFirst().orElse(null);
        this.logId = first == null ? 0 : first.header().logId();
        for (int i = 0; i < segments.size(); i++) {
            HeaderProbe p = segments.get(i);
            if (p.valid() && p.header().firstLsn() <= fromLsn) {
                nextSegment = i; // the last segment starting at or before fromLsn holds it
            }
        }
    }

    /** Why the walk ended; null while it goes on. */
    StopPoint stop() {
        return stop;
    }

    /** The next record at or after {@code fromLsn}, or null when the walk has ended. */
    DumpedRecord next() throws IOException {
        while (stop == null) {
            if (cursor == null && !openNextSegment()) {
                return null;
            }
            if (cursor.next(false)) {
                short type = cursor.type();
                if (type == FrameDescriptor.TYPE_RECORD) {
                    if (cursor.lsn() >= fromLsn) {
                        return record();
                    }
                } else if (!FrameDescriptor.isSkippable(type)) {
                    stop = StopPoint.damage(current.path(), cursor.frameOffset(),
                        "frame type 0x" + Integer.toHexString(type & 0xFFFF) + " is unknown and not skippable");
                }
                continue;
            }
            StopPoint at = StopPoint.examine(current, cursor.endOffset(), FrameDescriptor.salt(logId, current.index()));
            closeCursor();
            if (!at.isEnd()) {
                stop = at;
                DumpedRecord damaged = at.invalidRecord();
                return damaged != null && damaged.lsn() >= fromLsn ? damaged : null;
            }
        }
        return null;
    }

    /** Opens the next segment; false (with {@link #stop} set) when there is none to read. */
    private boolean openNextSegment() throws IOException {
        if (nextSegment >= segments.size()) {
            stop = StopPoint.END;
            return false;
        }
        HeaderProbe previous = current;
        HeaderProbe p = segments.get(nextSegment++);
        if (p.blank() && nextSegment == segments.size()) {
            stop = StopPoint.END; // a segment prepared ahead, never written: the log ends before it
        } else if (previous != null && p.index() != previous.index() + 1) {
            stop = StopPoint.damage(p.path(), 0, "segments " + (previous.index() + 1) + " to " + (p.index() - 1) + " are missing");
        } else if (!p.valid()) {
            stop = StopPoint.damage(p.path(), 0, p.blank() ? "segment header is all zeros but later segments exist"
                : p.problem());
        } else if (p.header().logId() != logId) {
            stop = StopPoint.damage(p.path(), 0, "segment belongs to log " + Long.toHexString(p.header().logId()) + ", not "
                + Long.toHexString(logId));
        } else {
            current = p;
            cursor = new SegmentCursor(ctx, p.path(), p.index(), logId);
            return true;
        }
        return false;
    }

    private DumpedRecord record() {
        ByteBuffer payload = cursor.payload();
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        return new DumpedRecord(cursor.lsn(), current.index(), current.path(), cursor.frameOffset(), bytes.length, true, bytes);
    }

    private void closeCursor() throws IOException {
        if (cursor != null) {
            cursor.close();
            cursor = null;
        }
    }

    @Override
    public void close() throws IOException {
        closeCursor();
    }
}
