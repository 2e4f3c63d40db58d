package dev.keel.wal;

import dev.keel.aio.AioContext;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.SegmentCursor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The point-read index of one segment: the file offset of each record's frame, by LSN. One
 * {@code int} per record (segments are at most 1 GiB), in a primitive array that doubles as it
 * fills: 4 bytes a record, no boxing, no per-record object.
 *
 * <pre>
 *   offsets:  [ off(firstLsn) | off(firstLsn+1) | ... | off(firstLsn+count-1) | unused ... ]
 *   absent:   -1  (an LSN that recovery skipped as damage in SKIP_ANY_CORRUPTED_RECORDS)
 * </pre>
 *
 * <p>Who fills it: the appender, as it places each record in the segment (under the log's
 * monitor, one writer); for a segment that was already on disk when the log was opened, one
 * pass of a {@link SegmentCursor} over it, the first time a point read needs it (the tail
 * segment is indexed at open, before appending resumes). Readers read without a lock: a slot
 * is written before {@code count} (volatile) covers it, and a grown array is published before
 * the count that needs it, so a reader that sees {@code count > i} sees slot {@code i}.
 */
final class RecordOffsets {
    static final int ABSENT = -1;
    private static final int INITIAL_SLOTS = 1024;

    private final long firstLsn;
    private volatile int[] offsets;
    private volatile int count;
    /** False for a segment recovered from disk until a scan has indexed it. */
    private volatile boolean complete;

    RecordOffsets(long firstLsn, boolean complete) {
        this.firstLsn = firstLsn;
        this.offsets = new int[complete ? INITIAL_SLOTS : 0];
        this.complete = complete;
    }

    long firstLsn() {
        return firstLsn;
    }

    boolean isComplete() {
        return complete;
    }

    /** Indexes the next record at {@code offsetBytes}; the single writer only. */
    void add(long lsn, long offsetBytes) {
        assert offsetBytes >= 0 && offsetBytes <= Integer.MAX_VALUE : "segment offset " + offsetBytes;
        int i = (int) (lsn - firstLsn);
        int[] a = offsets;
        int n = count;
        assert i >= n : "LSN " + lsn + " indexed twice (count " + n + ")";
        if (i >= a.length) {
            a = Arrays.copyOf(a, Math.max(INITIAL_SLOTS, Math.max(i + 1, a.length * 2)));
        }
        for (int gap = n; gap < i; gap++) {
            a[gap] = ABSENT;
        }
        a[i] = (int) offsetBytes;
        offsets = a;
        count = i + 1;
    }

    /** The frame offset of {@code lsn}, or {@link #ABSENT} when this segment has not indexed it. */
    int offsetOf(long lsn) {
        long i = lsn - firstLsn;
        if (i < 0 || i >= count) {
            return ABSENT;
        }
        return offsets[(int) i];
    }

    /**
     * The bytes from {@code lsn}'s frame to the next indexed record's frame: an upper bound of
     * its frame size (markers may lie between), or 0 when {@code lsn} is the last one indexed.
     */
    int spanOf(long lsn) {
        int i = (int) (lsn - firstLsn);
        int n = count;
        int[] a = offsets;
        for (int next = i + 1; next < n; next++) {
            if (a[next] != ABSENT) {
                return a[next] - a[i];
            }
        }
        return 0;
    }

    /** Forgets every record after {@code lastKeptLsn} (a truncation); the single writer only. */
    void truncateAfter(long lastKeptLsn) {
        count = (int) Math.max(0, Math.min(count, lastKeptLsn - firstLsn + 1));
    }

    /**
     * Indexes, once, a segment that was on disk when the log opened: one pass over its valid
     * frames. Records after {@code lastLsn} are not indexed (they were cut or are not there).
     */
    synchronized void build(AioContext readCtx, Path path, long segmentIndex, long logId, long lastLsn, boolean skipDamage)
        throws IOException {
        if (complete) {
            return;
        }
        try (SegmentCursor c = new SegmentCursor(readCtx, path, segmentIndex, logId)) {
            long next = Math.max(firstLsn, firstLsn + count);
            while (c.next(skipDamage)) {
                long lsn = c.lsn();
                if (c.type() != FrameDescriptor.TYPE_RECORD || lsn < next) {
                    continue;
                }
                if (lsn > lastLsn) {
                    break;
                }
                add(lsn, c.frameOffset());
                next = lsn + 1;
            }
        }
        complete = true;
    }
}
