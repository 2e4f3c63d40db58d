package dev.keel.wal;

import dev.keel.aio.Aio;
import dev.keel.aio.AioBackend;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioOptions;
import dev.keel.recovery.LogRecovery;
import dev.keel.recovery.RecoveredLog;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.RecoveryReport;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.SegmentInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A log opened for reading only ({@link Wal#openReadOnly}): readers, positions and stats of the
 * log as it was at open, with nothing written to the directory. No lock is taken (a writer may
 * hold it: the view then shows what was durable when it opened, never a later append), nothing
 * is repaired: recovery runs as a dry run, so damage the options' {@link RecoveryMode} would cut
 * ends the view where the cut would be, and damage it would refuse is a
 * {@link dev.keel.recovery.CorruptLogException} as for {@link Wal#open}. Works on read-only
 * media and for a process that may not write the log.
 *
 * <p>Thread safety: every method may be called from any thread; each reader by one thread.
 */
public final class ReadOnlyWal implements AutoCloseable {
    private final Path dir;
    private final AioContext readCtx;
    private final RecoveredLog recovered;
    private final ReadSource source;
    /** As {@link Wal#startLsn()} and {@link Wal#lastLsn()} at open: the head ({@code keel.head}) is where the log starts. */
    private final long startLsn;
    private final long lastLsn;
    private volatile boolean closed;

    private ReadOnlyWal(Path dir, WalOptions options, AioContext readCtx, RecoveredLog recovered, LogHead head) {
        this.dir = dir;
        this.readCtx = readCtx;
        this.recovered = recovered;
        this.lastLsn = head.nextLsn(recovered) - 1;
        this.startLsn = head.startLsn(recovered.firstLsn() == 0 ? lastLsn + 1 : recovered.firstLsn(), lastLsn);
        Segments segments = new Segments(dir, recovered.logId(), options.segmentBytes(), options.durability(), options.directIo(), null,
            readCtx.storage());
        for (SegmentInfo s : recovered.segments()) {
            segments.add(s.index(), s.firstLsn());
        }
        long last = lastLsn;
        this.source = new ReadSource(segments, readCtx, options.recoveryMode() == RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS,
            () -> last, this::checkOpen);
    }

    static ReadOnlyWal open(Path dir, WalOptions options) throws IOException {
        if (dir == null || options == null) {
            throw new IllegalArgumentException("dir and options must not be null");
        }
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "no log directory to open read-only");
        }
        AioBackend backend = Aio.choose(options.aioBackend());
        SegmentFiles.listOwned(backend.storage(), dir);
        AioContext readCtx = backend.open(AioOptions.defaults().backend(backend).maxInFlight(64));
        try {
            // The head as Wal.open reads it: where the log starts, and which segments a committed reset left dead.
            LogHead head = LogHead.read(dir);
            RecoveredLog recovered = new LogRecovery(readCtx, options.recoveryMode(), true)
                .ignoringSegmentsBelow(head.epochSegment()).recover(dir);
            return new ReadOnlyWal(dir, options, readCtx, recovered, head);
        } catch (IOException | RuntimeException e) {
            readCtx.close();
            throw e;
        }
    }

    /** The first LSN in the log (0 when empty), as {@link Wal#firstLsn()}: never below its head ({@code keel.head}). */
    public long firstLsn() {
        return startLsn <= lastLsn ? startLsn : 0;
    }

    /**
     * The last LSN in the log when it was opened (as {@link Wal#lastLsn()}: an empty log whose
     * head moved reports the LSN before its head); every record from {@link #firstLsn()} up to it is readable.
     */
    public long lastLsn() {
        return lastLsn;
    }

    /** What the dry-run recovery found (and what a writable open would repair). */
    public RecoveryReport recoveryReport() {
        return recovered.report();
    }

    /** Segment count and last LSN; the append and sync counters are zero (nothing is appended here). */
    public WalStats stats() {
        return new WalMetrics().snapshot(source.segments().count(), lastLsn(), readCtx.backendName());
    }

    /** A reader from {@code fromLsn}, between {@link #firstLsn()} and {@link #lastLsn()} + 1. */
    public WalReader reader(long fromLsn) {
        checkOpen();
        ReadSource.checkStart(fromLsn, firstLsn(), lastLsn());
        return new WalReader(source, fromLsn);
    }

    private void checkOpen() {
        if (closed) {
            throw new WalClosedException("read-only view of " + dir + " is closed");
        }
    }

    /** Releases the read context; readers still open fail on their next call. Idempotent. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            readCtx.close();
        }
    }
}
