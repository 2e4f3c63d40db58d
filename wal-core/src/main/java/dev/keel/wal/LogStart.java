package dev.keel.wal;

import dev.keel.aio.NativeFile;
import dev.keel.aio.Storage;
import dev.keel.recovery.CleanShutdown;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.LsnRange;
import dev.keel.recovery.SegmentFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the log starts, and what moves it: the durable {@link LogHead} ({@link Wal#truncatePrefix}
 * at any LSN, {@link Wal#reset} to any LSN), finishing at open a reset that a crash interrupted,
 * and dropping at open an atomic batch that a crash cut. Called under the log's admin lock (or
 * while opening, before anyone else has the log).
 */
final class LogStart {
    private static final System.Logger LOG = System.getLogger("dev.keel.wal");

    private final Wal wal;
    private final LogState state;
    private final Appender appender;
    private final SegmentPreparer preparer;
    private final Segments segments;
    private volatile LogHead head;

    LogStart(Wal wal, LogState state, Appender appender, SegmentPreparer preparer, Segments segments, LogHead head) {
        this.wal = wal;
        this.state = state;
        this.appender = appender;
        this.preparer = preparer;
        this.segments = segments;
        this.head = head;
    }

    LogHead head() {
        return head;
    }

    /** Persists {@code lsn} as the first LSN (within the log or just after it), then deletes whole segments below it. */
    void moveHead(long lsn) throws IOException {
        LogHead next = new LogHead(lsn, head.epochSegment());
        next.write(wal.readContext(), wal.dir());
        head = next;
        segments.deleteBefore(Math.min(lsn, state.durableLsn + 1));
    }

    /**
     * Empties the log and continues it at {@code nextLsn}: drains and stops the committer,
     * commits a head with a new epoch (the segment index after the last), deletes the old
     * segments, and restarts appending at the epoch's first segment.
     */
    void reset(long nextLsn) throws IOException {
        wal.syncAppended();
        wal.withCommitterStopped(tail -> resetStopped(nextLsn, tail));
    }

    /** {@link #reset} with the committer stopped: restarts it last. */
    private void resetStopped(long nextLsn, NativeFile tail) throws IOException {
        List<Segments.Ref> table = segments.snapshot();
        long lastIndex = table.isEmpty() ? Math.max(0, head.epochSegment() - 1) : table.get(table.size() - 1).index();
        preparer.resetTo(lastIndex); // spare segments after the last go: the new epoch starts after it
        LogHead next = new LogHead(nextLsn, lastIndex + 1);
        next.write(wal.readContext(), wal.dir());
        head = next;
        if (tail != null) {
            tail.close();
        }
        segments.deleteAll();
        state.ring.reset();
        state.durableLsn = nextLsn - 1;
        state.syncedLsn = nextLsn - 1; // nothing before the new start is left to prove durable
        long segmentBytes = segments.segmentBytes();
        appender.resetTo(nextLsn, lastIndex, segmentBytes, segmentBytes); // a full "segment": the next record rolls to the epoch's
        segments.prepareAhead(lastIndex + 1);
        wal.restartCommitter(lastIndex, null, segmentBytes, segmentBytes, nextLsn - 1); // last: a failure before it fails the log
    }

    /**
     * Deletes, durably, the segments a committed reset left below its epoch (a crash came
     * between the head's rename and their deletion): the head says they are not the log.
     */
    static void deleteDeadSegments(Storage storage, Path dir, long epochSegment) throws IOException {
        boolean deleted = false;
        for (Path p : SegmentFiles.list(storage, dir).segments()) {
            if (SegmentFiles.indexOf(p) < epochSegment) {
                LOG.log(System.Logger.Level.INFO, "deleting " + p + ": below the reset epoch " + epochSegment + " in "
                    + SegmentFiles.HEAD_FILE);
                deleted |= storage.deleteIfExists(p);
            }
        }
        CleanShutdown marker = CleanShutdown.read(dir);
        if (marker != null && marker.lastSegmentIndex() < epochSegment) {
            // It describes the epoch the reset replaced: recovery takes a valid marker as proof that
            // its records are in the log (DamageTable rows C1, C2), and these are not, by design.
            deleted |= storage.deleteIfExists(dir.resolve(SegmentFiles.CLEAN_FILE));
        }
        if (deleted) {
            storage.syncDirectory(dir);
        }
    }

    /**
     * Enforces batch atomicity after a crash: when the log's last record still says more of its
     * batch follows ({@link FrameDescriptor#FLAG_BATCH_CONTINUES}), the batch was cut; its
     * records (never acknowledged: a batch is acknowledged at its last record) are discarded
     * with {@link Wal#truncateAfter}, logged, and returned; null when the log ends whole.
     */
    LsnRange dropIncompleteBatch(PointReader reader) throws IOException {
        long last = wal.lastLsn();
        long first = wal.startLsn();
        long keep = last;
        while (keep >= first) {
            PointReader.Frame f = reader.read(keep);
            if (f == null || (f.flags() & FrameDescriptor.FLAG_BATCH_CONTINUES) == 0) {
                break;
            }
            keep--;
        }
        if (keep == last) {
            return null;
        }
        LOG.log(System.Logger.Level.WARNING, wal.dir() + ": records " + (keep + 1) + " to " + last
            + " are an atomic batch a crash cut before its last record; dropping them (they were never acknowledged)");
        wal.truncateAfter(keep);
        return new LsnRange(keep + 1, last);
    }
}
