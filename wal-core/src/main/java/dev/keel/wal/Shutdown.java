package dev.keel.wal;

import dev.keel.aio.AioContext;
import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import dev.keel.aio.SyncMode;
import dev.keel.recovery.CleanShutdown;
import dev.keel.recovery.SegmentFiles;

import java.io.IOException;
import java.nio.file.Path;

import static dev.keel.wal.WalOpen.closeQuietly;

/**
 * The close sequence of a {@link Wal}: what must be durable and in which order, so that the
 * next open can trust the clean-shutdown marker instead of re-reading the log.
 *
 * <pre>
 *   appender closed (no new appends) ─► commit marker appended ─► everything appended synced
 *   ─► committer stopped, its thread joined, write leadership kept (nothing drives the write path after)
 *   ─► in-flight batches drained ─► tail sealed (FILE sync)
 *   ─► keel.clean.tmp written + FILE sync ─► renamed to keel.clean ─► directory synced
 *   ─► always: tail, segment channels, preparer, write and read contexts closed, directory lock released
 * </pre>
 *
 * <p>A log that failed (fail-stop) or whose close failed part way is closed without the marker:
 * the next open recovers it from what is on disk. The first failure is the one thrown; a log
 * that had failed before close throws {@link WalFailedException} with that cause.
 */
final class Shutdown {
    private final Wal wal;
    private final Path dir;
    private final LogState state;
    private final Appender appender;
    private final Segments segments;
    private final AioContext ctx;

    Shutdown(Wal wal, Path dir, LogState state, Appender appender, Segments segments, AioContext ctx) {
        this.wal = wal;
        this.dir = dir;
        this.state = state;
        this.appender = appender;
        this.segments = segments;
        this.ctx = ctx;
    }

    /**
     * Runs the sequence; {@code resources} are closed last, in order, quietly, then the
     * directory lock is released.
     */
    void close(DirectoryLock lock, AutoCloseable... resources) throws IOException {
        IOException failure = null;
        try {
            boolean commit = state.failure == null && segments.count() > 0;
            appender.close();
            if (commit) {
                appender.appendCommitMarker();
                wal.syncAppended();
            }
        } catch (IOException e) {
            failure = e;
        }
        // Write leadership stays taken: nothing drives the write path after close.
        NativeFile tail = wal.stopCommitter();
        Committer committer = wal.committer();
        try {
            committer.drainInFlight();
            if (state.failure == null && failure == null && tail != null) {
                sealAndMarkClean(committer, tail);
            }
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        } finally {
            closeQuietly(tail);
            segments.closeChannels();
            for (AutoCloseable r : resources) {
                closeQuietly(r);
            }
            lock.close();
        }
        if (failure != null) {
            throw failure;
        }
        if (state.failure != null) {
            throw new WalFailedException("log " + dir + " was closed after failing: " + state.failure.getMessage(),
                state.failure);
        }
    }

    private void sealAndMarkClean(Committer committer, NativeFile tail) throws IOException {
        AioRequest[] seal = {new AioRequest().prepareSync(tail, SyncMode.FILE)};
        if (ctx.submitAndWait(seal, 0, 1) != 1) {
            throw new WalFailedException("fsync of " + tail.path() + " failed at close: " + seal[0].errno(), null);
        }
        CleanShutdown marker = new CleanShutdown(segments.logId(), committer.segmentIndex(), committer.segmentOffset(),
            appender.lastLsn());
        DurableFiles.replace(ctx, dir.resolve(SegmentFiles.CLEAN_TMP_FILE), dir.resolve(SegmentFiles.CLEAN_FILE), marker.encode());
    }
}
