package dev.keel.wal;

import dev.keel.aio.AioBackend;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioOptions;
import dev.keel.aio.NativeFile;
import dev.keel.recovery.LogRecovery;
import dev.keel.recovery.LsnRange;
import dev.keel.recovery.RecoveredLog;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.RecoveryReport;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.FrameDescriptor;
import net.openhft.chronicle.bytes.BytesStore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * An embedded write-ahead log: a directory of fixed-size segment files, appended to by any
 * number of threads, each record acknowledged only once it is durable in the chosen
 * {@link Durability}.
 *
 * <pre>
 *   try (Wal wal = Wal.open(dir)) {
 *       long lsn = wal.append("hello".getBytes());       // returns once durable
 *       try (WalReader r = wal.reader(1)) {
 *           while (r.next()) { consume(r.lsn(), r.payload()); }
 *       }
 *   }
 * </pre>
 *
 * <h2>How it works</h2>
 * Appenders copy their record into a shared off-heap ring under a short monitor ({@link Appender});
 * one committer thread ({@link Committer}) turns whatever is there into one batch of writes and
 * a barrier sync through the AIO layer, keeps the next batch filling while the sync is in flight,
 * and wakes waiters in LSN order. Segments are zero-filled ahead of use by
 * {@link SegmentPreparer}. Opening runs recovery ({@link LogRecovery}) first ({@link WalOpen});
 * closing syncs, seals and leaves the clean-shutdown marker ({@link Shutdown}).
 *
 * <p>Fail-stop: after a failed write or sync every pending and later append fails with
 * {@link WalFailedException}; nothing is retried. Reopen to recover from what is on disk.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class Wal implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.keel.wal");

    static {
        ChronicleQuiet.install();
    }

    private final Path dir;
    private final WalOptions options;
    private final DirectoryLock lock;
    private final AioContext ctx;
    private final AioContext readCtx;
    private final RecoveryReport recoveryReport;
    private final LogState state;
    private final Segments segments;
    private final SegmentPreparer preparer;
    private final WalMetrics metrics = new WalMetrics();
    private final Appender appender;
    /** The DIRECT layout (block size, staging, padding), or null for buffered segments. */
    private final DirectLayout direct;
    /** The committer and its thread; appenders read the committer to lead a write group. */
    private final CommitterThread committerThread;
    private final Object adminLock = new Object();
    private final PointReader pointReader;
    private final LogStart start;
    /** The records of an atomic batch a crash cut, dropped at open; null when there was none. */
    private LsnRange droppedBatch;
    private volatile boolean closed;

    /** Wires the parts of a log {@link WalOpen} recovered; the caller closes ctx, readCtx and lock on failure. */
    Wal(Path dir, WalOptions options, DirectoryLock lock, AioBackend backend, AioContext ctx, AioContext readCtx,
        RecoveredLog recovered, LogHead head, DirectLayout direct) throws IOException {
        this.dir = dir;
        this.options = options;
        this.lock = lock;
        this.ctx = ctx;
        this.readCtx = readCtx;
        this.recoveryReport = recovered.report();
        long logId = recovered.logId() != 0 ? recovered.logId() : WalOpen.newLogId();
        int ringBytes = options.effectiveLogBufferBytes();
        this.direct = direct;
        this.state = new LogState(new LogBuffer(ringBytes));
        SpareSegments spares = new SpareSegments(dir, backend.storage(), options.segmentBytes(),
            SegmentFiles.list(backend.storage(), dir).spares());
        this.preparer = new SegmentPreparer(dir, options.segmentBytes(), options.zeroFillSegments(),
            backend.open(AioOptions.defaults().backend(backend).maxInFlight(16)), spares);
        this.segments = new Segments(dir, logId, options.segmentBytes(), options.durability(), options.directIo(), preparer,
            backend.storage());
        WalOpen.Tail tail = WalOpen.openTail(dir, options, readCtx, segments, preparer, recovered, head, backend.storage());
        long tailIndex = tail.index();
        long lastLsn = tail.nextLsn() - 1;
        state.durableLsn = lastLsn;
        state.syncedLsn = lastLsn;
        this.pointReader = new PointReader(this);
        this.appender = new Appender(state, segments, ctx, metrics, options.segmentBytes(), tail.nextLsn(), tailIndex,
            tail.offsetBytes(), tail.bytes(), options.durability(), options.directIo());
        state.segmentSalt = FrameDescriptor.salt(logId, tailIndex);
        if (tail.file() == null) {
            segments.prepareAhead(tailIndex + 1); // a new (or reset) log: its first segment is needed at once
        }
        this.start = new LogStart(this, state, appender, preparer, segments, head);
        this.committerThread = new CommitterThread(state, ctx, segments, options, metrics, direct);
        committerThread.start(tailIndex, tail.file(), tail.offsetBytes(), tail.bytes(), lastLsn);
    }

    /** Opens (creating if needed) the log in {@code dir} with default options. */
    public static Wal open(Path dir) throws IOException {
        return open(dir, WalOptions.defaults());
    }

    /**
     * Opens the log in {@code dir}, creating the directory and a new log when there is none, or
     * recovering the existing one (see {@link WalOptions#recoveryMode}).
     *
     * @throws dev.keel.recovery.CorruptLogException when the recovery mode forbids what was found
     * @throws IOException when the directory is in use, is a file, holds files Keel does not own
     *     (nothing is created in it then; see {@link SegmentFiles} for the names it ignores), or
     *     cannot be read
     */
    public static Wal open(Path dir, WalOptions options) throws IOException {
        WalOpen opening = WalOpen.recover(dir, options);
        try {
            // Logged here, not in WalOpen: the line names its source, and users' filters know Wal.open.
            LOG.log(System.Logger.Level.INFO, "opened " + dir + ": " + opening.recovered().report().summary());
        } catch (RuntimeException e) {
            opening.abandon();
            throw e;
        }
        return opening.finish();
    }

    /**
     * Opens the log in {@code dir} for reading only: no lock taken, nothing created, repaired or
     * deleted; see {@link ReadOnlyWal}. Usable on read-only media and beside a writer.
     *
     * @throws java.nio.file.NoSuchFileException when {@code dir} does not exist
     * @throws dev.keel.recovery.CorruptLogException when the recovery mode forbids what was found
     * @throws IOException when {@code dir} is a file or holds files Keel does not own
     */
    public static ReadOnlyWal openReadOnly(Path dir, WalOptions options) throws IOException {
        return ReadOnlyWal.open(dir, options);
    }

    /** Drops the last atomic batch if a crash cut it (at open, before any append). */
    void dropIncompleteBatch() throws IOException {
        droppedBatch = start.dropIncompleteBatch(pointReader);
    }

    /** The records of an atomic batch that a crash cut and that opening dropped; null when none. */
    public LsnRange droppedIncompleteBatch() {
        return droppedBatch;
    }

    /**
     * Runs the recovery {@code Wal.open} runs first, in {@code mode}, without opening a writer:
     * a torn tail is cut (its bytes copied to {@code quarantine/} first), damage is set aside or
     * skipped as the mode says, never deleted. Takes the writer's directory lock, so a log in use
     * is refused naming the holder's pid; a cleanly closed log is left unchanged. With
     * {@code dryRun} nothing is changed and no lock is taken: the result says what would be done.
     *
     * @return the recovered log; its {@code report()} says what was found and done
     * @throws dev.keel.recovery.CorruptLogException when the mode forbids what was found (nothing changed)
     */
    public static RecoveredLog repair(Path dir, RecoveryMode mode, boolean dryRun) throws IOException {
        return repair(dir, WalOptions.defaults().recoveryMode(mode), dryRun);
    }

    /** {@link #repair(Path, RecoveryMode, boolean)} with the recovery mode and AIO backend of {@code options}. */
    public static RecoveredLog repair(Path dir, WalOptions options, boolean dryRun) throws IOException {
        return Repair.run(dir, options, dryRun);
    }

    // ------------------------------------------------------------------ appending

    /** Appends a record and returns its LSN once it is durable. Allocates nothing in steady state. */
    public long append(byte[] payload) throws IOException {
        checkPayload(payload == null ? -1 : payload.length);
        long lsn = appender.append(payload, null, payload.length, FrameDescriptor.TYPE_RECORD, Thread.currentThread());
        appender.awaitDurableOrLead(lsn, committerThread.committer());
        return lsn;
    }

    /** Appends {@code payload}'s remaining bytes (its position does not move) and returns the LSN once durable. */
    public long append(ByteBuffer payload) throws IOException {
        checkPayload(payload == null ? -1 : payload.remaining());
        long lsn = appender.append(null, payload, payload.remaining(), FrameDescriptor.TYPE_RECORD, Thread.currentThread());
        appender.awaitDurableOrLead(lsn, committerThread.committer());
        return lsn;
    }

    /**
     * Appends a Chronicle {@code BytesStore}'s readable bytes (its read position does not move)
     * and returns the LSN once durable. The bytes are copied straight into the log buffer.
     */
    public long append(BytesStore<?, ?> payload) throws IOException {
        checkPayload(payload == null ? -1 : (int) Math.min(Integer.MAX_VALUE, payload.readRemaining()));
        int length = (int) payload.readRemaining();
        long lsn = appender.append(null, null, payload, length, FrameDescriptor.TYPE_RECORD, Thread.currentThread());
        appender.awaitDurableOrLead(lsn, committerThread.committer());
        return lsn;
    }

    /**
     * Appends without waiting: the payload is copied before this returns; the future completes
     * with the LSN once durable, or exceptionally with {@link WalFailedException}.
     */
    public CompletableFuture<Long> appendAsync(ByteBuffer payload) {
        checkPayload(payload == null ? -1 : payload.remaining());
        CompletableFuture<Long> f = new CompletableFuture<>();
        try {
            appender.append(null, payload, payload.remaining(), FrameDescriptor.TYPE_RECORD, f);
            appender.wakeCommitter();
        } catch (WalFailedException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    /**
     * Appends {@code payloads} (each one's remaining bytes; positions do not move) as one atomic
     * batch with consecutive LSNs, and returns the last LSN once all are durable. Atomic: after
     * any crash either every record of the batch is in the log or none is. Each record is one
     * frame flagged {@link FrameDescriptor#FLAG_BATCH_CONTINUES} but the last, which commits
     * the batch; opening drops a batch whose last record is missing.
     *
     * <p>Why flags and a committing last record rather than one batch frame: each record keeps
     * its own frame, LSN and CRC, so readers, the point index, recovery's scanner and the tools
     * see ordinary records; a batch needs no size limit beyond the log buffer's, and may span
     * a segment roll.
     */
    public long appendBatch(ByteBuffer... payloads) throws IOException {
        if (payloads == null || payloads.length == 0) {
            throw new IllegalArgumentException("a batch needs at least one payload, got " + (payloads == null ? "null" : "0"));
        }
        for (ByteBuffer p : payloads) {
            checkPayload(p == null ? -1 : p.remaining());
        }
        long last = appender.appendBatch(payloads, Thread.currentThread());
        appender.awaitDurableOrLead(last, committerThread.committer());
        return last;
    }

    /**
     * Reads the record {@code lsn} back: its payload, or null when the log does not hold it
     * (below {@link #startLsn()}, after the durable LSN, or skipped as damage). Finds the frame
     * through an index of record offsets (one {@code int} per record), with one positional read;
     * it never scans a segment from its start, except once for a segment that was on disk at
     * open. Any thread; the frame's CRC is checked.
     *
     * @throws dev.keel.recovery.CorruptLogException when the indexed frame does not check
     */
    public byte[] read(long lsn) throws IOException {
        checkOpen();
        if (lsn < startLsn() || lsn > state.durableLsn) {
            return null;
        }
        try {
            PointReader.Frame f = pointReader.read(lsn);
            return f == null ? null : f.payload();
        } catch (java.nio.channels.ClosedChannelException e) {
            if (lsn < startLsn() || closed) {
                return null; // truncated away (or closed) while being read
            }
            throw e;
        }
    }

    private void checkPayload(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("payload is null");
        }
        if (length > options.maxRecordBytes()) {
            throw new IllegalArgumentException("record of " + length + " bytes exceeds maxRecordBytes=" + options.maxRecordBytes()
                + " (segment payload limit " + options.segmentPayloadLimit() + " bytes)");
        }
    }

    /** Returns once everything appended before the call is durable. */
    public void sync() throws IOException {
        checkOpen();
        syncAppended();
    }

    void syncAppended() throws IOException {
        long last = appender.registerSync();
        appender.wakeCommitter();
        appender.awaitDurable(last);
    }

    // ------------------------------------------------------------------ positions

    /** The first LSN still in the log (0 when empty). */
    public long firstLsn() {
        long start = startLsn();
        return start <= lastLsn() ? start : 0;
    }

    /**
     * The log's logical start: its first record's LSN, or, when it is empty, the LSN the next
     * record gets. It moves with {@link #truncatePrefix} and {@link #reset}, durably.
     */
    public long startLsn() {
        long last = lastLsn();
        long physical = last + 1;
        for (Segments.Ref r : segments.snapshot()) {
            if (r.firstLsn() <= last) {
                physical = r.firstLsn();
                break;
            }
        }
        return start.head().startLsn(physical, last);
    }

    /** The last LSN assigned (0 when empty); it may not be durable yet. */
    public long lastLsn() {
        return appender.lastLsn();
    }

    /** True when nobody drives the write path and the committer is parked (tests wait for it). */
    boolean writePathIdle() {
        return state.leadership.isFree() && state.committerWaiting == LogState.COMMITTER_PARKED;
    }

    /** Every record up to this LSN is durable. */
    public long durableLsn() {
        return state.durableLsn;
    }

    public RecoveryReport recoveryReport() {
        return recoveryReport;
    }

    public WalStats stats() {
        return metrics.snapshot(segments.count(), state.durableLsn, ctx.backendName());
    }

    Path dir() {
        return dir;
    }

    Segments segments() {
        return segments;
    }

    AioContext readContext() {
        return readCtx;
    }

    WalOptions options() {
        return options;
    }

    void checkOpen() {
        if (closed) {
            throw new WalClosedException("log " + dir + " is closed");
        }
    }

    // ------------------------------------------------------------------ reading and retention

    /** A reader from {@code fromLsn} (between {@link #firstLsn()} and {@link #lastLsn()} + 1). */
    public WalReader reader(long fromLsn) throws IOException {
        checkOpen();
        ReadSource.checkStart(fromLsn, startLsn(), lastLsn());
        return new WalReader(new ReadSource(segments, readCtx,
            options.recoveryMode() == RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS, this::durableLsn, this::checkOpen), fromLsn);
    }

    /**
     * Drops, durably, every whole segment whose records all precede {@code lsn}. Up to
     * {@link SpareSegments#MAX_SPARES} of them are kept as spares that later rolls reuse instead
     * of zero-filling new files (a reader still inside a dropped segment then stops at its end);
     * the rest are deleted.
     */
    public void truncateBefore(long lsn) throws IOException {
        checkOpen();
        long last = lastLsn();
        if (lsn < 1 || lsn > last + 1) {
            throw new IllegalArgumentException("truncateBefore lsn=" + lsn + " must be between 1 and lastLsn + 1 = " + (last + 1));
        }
        synchronized (adminLock) {
            segments.deleteBefore(Math.min(lsn, state.durableLsn + 1));
        }
    }

    /**
     * Makes {@code lsn} the log's first LSN, durably (the head is persisted before this returns,
     * so records below it never come back), at any LSN, not only at a segment boundary; whole
     * segments below it are deleted. At {@code lastLsn() + 1} the log is left empty, continuing
     * there; beyond it, this is {@link #reset}{@code (lsn)}. Below {@link #startLsn()}, nothing.
     */
    public void truncatePrefix(long lsn) throws IOException {
        checkOpenAndPositive("truncatePrefix lsn", lsn);
        synchronized (adminLock) {
            if (lsn <= startLsn()) {
                return;
            }
            if (lsn > lastLsn() + 1) {
                start.reset(lsn);
            } else {
                start.moveHead(lsn);
            }
        }
    }

    /**
     * Empties the log, durably, and continues it at {@code nextLsn} (any LSN, below or above
     * the current ones): the next append gets {@code nextLsn}. The commit point is the head's
     * rename (a new reset epoch: the next segment index); the old segments are deleted after
     * it, and again at open if a crash came first.
     */
    public void reset(long nextLsn) throws IOException {
        checkOpenAndPositive("reset nextLsn", nextLsn);
        synchronized (adminLock) {
            start.reset(nextLsn);
        }
    }

    private void checkOpenAndPositive(String what, long lsn) {
        checkOpen();
        if (lsn < 1) {
            throw new IllegalArgumentException(what + "=" + lsn + " must be >= 1");
        }
    }

    /**
     * Discards every record after {@code lsn}, durably; the next append gets {@code lsn + 1}.
     * Waits for appends in flight, then pauses the committer while the segment files are cut.
     */
    public void truncateAfter(long lsn) throws IOException {
        checkOpen();
        synchronized (adminLock) {
            syncAppended();
            long last = lastLsn();
            long first = startLsn();
            if (lsn < first - 1 || lsn > last) {
                throw new IllegalArgumentException("truncateAfter lsn=" + lsn + " must be between firstLsn - 1 = " + (first - 1)
                    + " and lastLsn = " + last);
            }
            if (lsn == last) {
                return;
            }
            withCommitterStopped(tail -> new Truncation(this, state, appender).truncateAfter(lsn, tail));
        }
    }

    /** See {@link CommitterThread#withStopped}: a change to the log's files made with the committer stopped. */
    void withCommitterStopped(CommitterThread.StoppedChange change) throws IOException {
        committerThread.withStopped(change);
    }

    /** Stops the committer for good (close): write leadership stays taken; returns its tail file. */
    NativeFile stopCommitter() {
        return committerThread.stop();
    }

    /** The committer now running (replaced when a change restarts it). */
    Committer committer() {
        return committerThread.committer();
    }

    void restartCommitter(long tailIndex, NativeFile tailFile, long tailOffset, long tailBytes, long lastLsn) {
        committerThread.start(tailIndex, tailFile, tailOffset, tailBytes, lastLsn);
    }

    // ------------------------------------------------------------------ closing

    /**
     * Syncs, seals the last segment, leaves the clean-shutdown marker (so the next open does
     * not re-read the log), and releases the directory. Idempotent.
     */
    @Override
    public void close() throws IOException {
        synchronized (adminLock) {
            if (closed) {
                return;
            }
            closed = true;
            new Shutdown(this, dir, state, appender, segments, ctx).close(lock, preparer, ctx, readCtx);
        }
    }
}
