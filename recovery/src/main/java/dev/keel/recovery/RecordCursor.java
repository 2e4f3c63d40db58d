package dev.keel.recovery;

import dev.keel.aio.AioContext;
import dev.keel.recovery.format.FrameDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a log's records in LSN order across its segments: the one reader of a log, used by
 * {@code WalReader} and by {@code keel dump}, so the two return the same records and stop at the
 * same place. Each segment is walked with a {@link SegmentCursor}; COMMIT and VOID markers are
 * stepped over.
 *
 * <p>A record at or below the limit the caller gives (a Wal's durable LSN, a recovered log's last
 * LSN) exists: the cursor never takes its absence for the end of the log. A frame there that does
 * not validate, a missing record, a jump in LSNs or an unknown type that may not be skipped throws
 * {@link CorruptLogException} naming the segment, the offset and the LSN, unless the cursor skips
 * damage (SKIP_ANY_CORRUPTED_RECORDS), when it steps over it to the next valid record as recovery
 * did. Not thread safe: one thread per cursor.
 */
public final class RecordCursor implements AutoCloseable {
    /** One segment as the cursor needs it: its index, its file and the LSN it starts at. */
    public record SegmentRef(long index, Path path, long firstLsn) {
    }

    /** Where the cursor finds segments: a live Wal's table, or a recovered log's list. */
    public interface SegmentSource {
        /** The segment holding {@code lsn}: the last one starting at or before it; null when none. */
        SegmentRef find(long lsn);

        /** The segment after {@code index}, or null. */
        SegmentRef after(long index);
    }

    private final AioContext ctx;
    private final SegmentSource source;
    private final long logId;
    private final boolean skipDamage;
    private long nextLsn;
    private SegmentCursor cursor;
    private long lsn;

    /**
     * @param skipDamage step over damage (SKIP_ANY_CORRUPTED_RECORDS) instead of throwing
     */
    public RecordCursor(AioContext ctx, SegmentSource source, long logId, long fromLsn, boolean skipDamage) {
        if (fromLsn < 1) {
            throw new IllegalArgumentException("fromLsn=" + fromLsn + " must be >= 1 (LSNs start at 1)");
        }
        this.ctx = ctx;
        this.source = source;
        this.logId = logId;
        this.nextLsn = fromLsn;
        this.skipDamage = skipDamage;
    }

    /** A source over a fixed list of segments in index order (a recovered log's). */
    public static SegmentSource listed(List<SegmentInfo> segments) {
        return new SegmentSource() {
            @Override
            public SegmentRef find(long lsn) {
                SegmentRef found = null;
                for (SegmentInfo s : segments) {
                    if (s.firstLsn() <= lsn) {
                        found = ref(s);
                    }
                }
                return found;
            }

            @Override
            public SegmentRef after(long index) {
                for (SegmentInfo s : segments) {
                    if (s.index() > index) {
                        return ref(s);
                    }
                }
                return null;
            }

            private SegmentRef ref(SegmentInfo s) {
                return new SegmentRef(s.index(), s.path(), s.firstLsn());
            }
        };
    }

    /**
     * Moves to the next record at or below {@code limitLsn}. False when the next LSN is above the
     * limit (the end of the log, for now: call again after the limit has grown to tail it).
     *
     * @throws CorruptLogException when a record at or below the limit cannot be read
     */
    public boolean next(long limitLsn) throws IOException {
        while (nextLsn <= limitLsn) {
            if (cursor == null && !open(source.find(nextLsn))) {
                return false; // no segment holds it: truncated away under the reader
            }
            if (cursor.next(skipDamage)) {
                short type = cursor.type();
                if (type != FrameDescriptor.TYPE_RECORD) {
                    if (!FrameDescriptor.isSkippable(type) && !skipDamage) {
                        throw corrupt(FrameVerdict.unknownType(type), cursor.frameOffset());
                    }
                    continue;
                }
                long found = cursor.lsn();
                if (found < nextLsn) {
                    continue; // before the reader's start, in the segment it starts in
                }
                if (found > nextLsn && !skipDamage) {
                    throw corrupt(FrameVerdict.lsnJump(nextLsn - 1, found), cursor.frameOffset());
                }
                if (found > limitLsn) {
                    cursor.unread(); // read it again once the limit has grown
                    return false;
                }
                lsn = found;
                nextLsn = found + 1;
                return true;
            }
            SegmentRef after = source.after(cursor.index());
            if (after != null && (after.firstLsn() == nextLsn || skipDamage)) {
                cursor.close();
                cursor = new SegmentCursor(ctx, after.path(), after.index(), logId);
                continue;
            }
            if (skipDamage) {
                return false; // stepped over damage to the end of the data: more may come (a gap recovery reported)
            }
            throw corrupt(cursor.stopVerdict(nextLsn).midLog(), cursor.endOffset());
        }
        return false;
    }

    private CorruptLogException corrupt(FrameVerdict v, long offsetBytes) {
        Damage d = new Damage(cursor.path(), offsetBytes, FrameDescriptor.ALIGNMENT, v.kind(), v.detail());
        return new CorruptLogException("cannot read LSN " + nextLsn + ": segment " + cursor.path().getFileName()
            + " offset " + offsetBytes + " holds no valid frame for it (" + v.kind() + ": " + v.detail()
            + "); records up to the log's last LSN exist, so this is damage, not the end of the log; run 'keel verify "
            + cursor.path().getParent() + "'", List.of(d), nextLsn);
    }

    private boolean open(SegmentRef ref) throws IOException {
        if (ref == null) {
            return false;
        }
        cursor = new SegmentCursor(ctx, ref.path(), ref.index(), logId);
        return true;
    }

    /** The current record's LSN. */
    public long lsn() {
        return lsn;
    }

    /** The current record's segment index, file and frame offset. */
    public long segmentIndex() {
        return cursor.index();
    }

    public Path segment() {
        return cursor.path();
    }

    public long frameOffset() {
        return cursor.frameOffset();
    }

    /** A read-only view of the current payload, valid until the next call. */
    public ByteBuffer payload() {
        return cursor.payload();
    }

    /** The current payload's native address and length, for zero-copy wrapping. */
    public long payloadAddress() {
        return cursor.payloadAddress();
    }

    public int payloadLength() {
        return cursor.payloadLength();
    }

    @Override
    public void close() throws IOException {
        if (cursor != null) {
            cursor.close();
            cursor = null;
        }
    }
}
