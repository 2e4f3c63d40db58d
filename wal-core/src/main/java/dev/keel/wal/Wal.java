package dev.keel.wal;

import dev.keel.aio.OpenFlag;
import dev.keel.aio.Storage;
import dev.keel.aio.Aio;
import dev.keel.aio.AioBackend;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioOptions;
import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import dev.keel.aio.SyncMode;
import dev.keel.recovery.CleanShutdown;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.LogRecovery;
import dev.keel.recovery.LsnRange;
import dev.keel.recovery.RecoveredLog;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.RecoveryReport;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import dev.keel.recovery.SegmentInfo;
import net.openhft.chronicle.bytes.BytesStore;
import org.agrona.concurrent.AgentRunner;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.List;
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
 * {@link SegmentPreparer}. Opening runs recovery ({@link LogRecovery}) first.
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
    /** Replaced when a truncation restarts the committer; appenders read it to lead. */
    private volatile Committer committer;
    private AgentRunner runner;
    private final Object adminLock = new Object();
    private final PointReader pointReader;
    private final LogStart start;
    /** The records of an atomic batch a crash cut, dropped at open; null when there was none. */
    private LsnRange droppedBatch;
    private volatile boolean closed;

    private Wal(Path dir, WalOptions options, DirectoryLock lock, AioBackend backend, AioContext ctx, AioContext readCtx,
                RecoveredLog recovered, LogHead head, DirectLayout direct) throws IOException {
        this.dir = dir;
        this.options = options;
        this.lock = lock;
        this.ctx = ctx;
        this.readCtx = readCtx;
        this.recoveryReport = recovered.report();
        long logId = recovered.logId() != 0 ? recovered.logId() : newLogId();
        int ringBytes = options.effectiveLogBufferBytes();
        this.direct = direct;
        this.state = new LogState(new LogBuffer(ringBytes));
        SpareSegments spares = new SpareSegments(dir, backend.storage(), options.segmentBytes(),
            SegmentFiles.list(backend.storage(), dir).spares());
        this.preparer = new SegmentPreparer(dir, options.segmentBytes(), options.zeroFillSegments(),
            backend.open(AioOptions.defaults().backend(backend).maxInFlight(16)), spares);
        this.segments = new Segments(dir, logId, options.segmentBytes(), options.durability(), options.directIo(), preparer,
            backend.storage());
        boolean empty = recovered.segments().isEmpty();
        // An empty log continues at its head (a reset may have moved it), in the segment after the reset epoch's.
        long tailIndex = Math.max(0, head.epochSegment() - 1);
        long tailOffset = options.segmentBytes();
        for (SegmentInfo s : recovered.segments()) {
            segments.add(s.index(), s.firstLsn(), false);
            tailIndex = s.index();
            tailOffset = s.endOffsetBytes();
        }
        long nextLsn = head.nextLsn(recovered);
        long lastLsn = nextLsn - 1;
        state.durableLsn = lastLsn;
        state.syncedLsn = lastLsn;
        this.pointReader = new PointReader(this);
        NativeFile tailFile = null;
        long tailBytes;
        try {
            preparer.alreadyPrepared(tailIndex + usableSpares(backend.storage(), recovered.spareSegments(), options.segmentBytes()));
            if (!empty) { // index the tail now: appending goes on extending its offsets
                segments.byIndex(tailIndex).offsets().build(readCtx, SegmentFiles.segmentPath(dir, tailIndex), tailIndex,
                    logId, lastLsn, options.recoveryMode() == dev.keel.recovery.RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS);
            }
            tailFile = empty ? null : segments.openTail(tailIndex);
            // The tail keeps the size it was created with (its header's), whatever the options say now.
            tailBytes = tailFile == null ? options.segmentBytes() : tailFile.size();
        } catch (IOException | RuntimeException e) {
            closeQuietly(tailFile);
            closeQuietly(preparer); // its thread and context would outlive a log that never opened
            throw e;
        }
        this.appender = new Appender(state, segments, ctx, metrics, options.segmentBytes(), nextLsn, tailIndex,
            tailOffset, tailBytes, options.durability(), options.directIo());
        state.segmentSalt = FrameDescriptor.salt(logId, tailIndex);
        if (empty) {
            segments.prepareAhead(tailIndex + 1); // a new (or reset) log: its first segment is needed at once
        }
        this.start = new LogStart(this, state, appender, preparer, segments, head);
        startCommitter(tailIndex, tailFile, tailOffset, tailBytes, lastLsn);
    }

    private void startCommitter(long tailIndex, NativeFile tailFile, long tailOffset, long tailBytes, long lastLsn) {
        committer = new Committer(state, ctx, segments, options.durability(), options.maxBatchBytes(),
            options.maxSyncsInFlight(), metrics, tailIndex, tailFile, tailOffset, tailBytes, lastLsn, direct);
        runner = new AgentRunner(new CommitterIdleStrategy(committer), committer::failStop, null, committer);
        AgentRunner.startOnThread(runner);
    }

    /**
     * How many of the spare segments recovery found (in index order) can be used as they are:
     * those prepared at the size new segments get now. The others hold only zeros and are
     * deleted, with every spare after them, so that the preparer makes them again at this size.
     */
    private static int usableSpares(Storage storage, List<Path> spares, long segmentBytes) throws IOException {
        int usable = 0;
        while (usable < spares.size() && Files.size(spares.get(usable)) == segmentBytes) {
            usable++;
        }
        for (Path p : spares.subList(usable, spares.size())) {
            storage.deleteIfExists(p);
        }
        return usable;
    }

    /**
     * The context the committer writes through. DIRECT: with the staging buffers registered
     * (io_uring WRITE_FIXED, no page pinning per write). Registration counts against
     * RLIMIT_MEMLOCK without CAP_IPC_LOCK; a refusal costs only that saving, so the log opens
     * without it and says so (WARNING, naming the bytes and the kernel's reason).
     */
    private static AioContext openWriteContext(AioBackend backend, DirectLayout direct) throws IOException {
        AioOptions write = AioOptions.defaults().backend(backend).maxInFlight(64);
        if (direct == null) {
            return backend.open(write);
        }
        ByteBuffer[] staging = direct.stagingBuffers();
        try {
            return backend.open(write.registeredBuffers(staging));
        } catch (AioException e) {
            LOG.log(System.Logger.Level.WARNING, "DIRECT staging buffers (" + staging.length + " x " + staging[0].capacity()
                + " bytes) not registered with " + backend.name() + ": " + e.getMessage() + "; writes go unregistered");
            return backend.open(write);
        }
    }

    /**
     * The block size DIRECT writes align to, from a probe file opened O_DIRECT in the log's
     * directory: a file system that refuses O_DIRECT (tmpfs, some network file systems) is named
     * here, at open, never answered by a silent fall-back to buffered writes. Through the log's
     * storage: a power cut can leave the probe behind (its name made, its removal not yet durable).
     */
    private static int directBlockBytes(Storage storage, Path dir) throws IOException {
        Path probe = dir.resolve(SegmentFiles.DIRECT_PROBE_FILE);
        try (NativeFile f = storage.open(probe, OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.DIRECT)) {
            int blockBytes = f.blockSize();
            if (Integer.bitCount(blockBytes) != 1 || blockBytes > SegmentHeaderDescriptor.HEADER_BYTES) {
                throw new IOException("directIo=true: " + dir + " has a block size of " + blockBytes
                    + " bytes; DIRECT needs a power of two of at most " + SegmentHeaderDescriptor.HEADER_BYTES);
            }
            return blockBytes;
        } catch (AioException e) {
            throw new IOException("directIo=true: " + dir + " refuses O_DIRECT (" + e.getMessage()
                + "); open the log with directIo(false)", e);
        } finally {
            storage.deleteIfExists(probe);
        }
    }

    private static long newLogId() {
        long id;
        do {
            id = new SecureRandom().nextLong();
        } while (id == 0);
        return id;
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
        if (dir == null || options == null) {
            throw new IllegalArgumentException("dir and options must not be null");
        }
        options.validate();
        // Chosen once: the write, read and preparation contexts and the file operations all come from this instance.
        AioBackend backend = Aio.choose(options.aioBackend());
        Storage storage = backend.storage();
        if (storage.exists(dir)) {
            SegmentFiles.listOwned(storage, dir); // refuses a file or a foreign directory before anything is created in it
        }
        storage.createDirectories(dir);
        DirectoryLock lock = DirectoryLock.acquire(dir);
        AioContext ctx = null;
        AioContext readCtx = null;
        try {
            // One staging buffer per batch that can be built or in flight: registered with the write context.
            DirectLayout direct = options.directIo()
                ? new DirectLayout(directBlockBytes(storage, dir), options.maxBatchBytes(), options.maxSyncsInFlight() + 1) : null;
            ctx = openWriteContext(backend, direct);
            readCtx = backend.open(AioOptions.defaults().backend(backend).maxInFlight(64));
            LogHead.discardUnfinished(storage, dir);
            LogHead head = LogHead.read(dir);
            LogStart.deleteDeadSegments(storage, dir, head.epochSegment());
            RecoveredLog recovered = new LogRecovery(readCtx, options.recoveryMode(), false).recover(dir);
            LOG.log(System.Logger.Level.INFO, "opened " + dir + ": " + recovered.report().summary());
            Wal wal = new Wal(dir, options, lock, backend, ctx, readCtx, recovered, head, direct);
            try {
                wal.droppedBatch = wal.start.dropIncompleteBatch(wal.pointReader);
            } catch (IOException | RuntimeException e) {
                closeQuietly(wal);
                throw e;
            }
            return wal;
        } catch (IOException | RuntimeException e) {
            closeQuietly(readCtx);
            closeQuietly(ctx);
            lock.close();
            throw e;
        }
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

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Already failing: the first exception is the one to report.
            }
        }
    }

    // ------------------------------------------------------------------ appending

    /** Appends a record and returns its LSN once it is durable. Allocates nothing in steady state. */
    public long append(byte[] payload) throws IOException {
        checkPayload(payload == null ? -1 : payload.length);
        long lsn = appender.append(payload, null, payload.length, FrameDescriptor.TYPE_RECORD, Thread.currentThread());
        appender.awaitDurableOrLead(lsn, committer);
        return lsn;
    }

    /** Appends {@code payload}'s remaining bytes (its position does not move) and returns the LSN once durable. */
    public long append(ByteBuffer payload) throws IOException {
        checkPayload(payload == null ? -1 : payload.remaining());
        long lsn = appender.append(null, payload, payload.remaining(), FrameDescriptor.TYPE_RECORD, Thread.currentThread());
        appender.awaitDurableOrLead(lsn, committer);
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
        appender.awaitDurableOrLead(lsn, committer);
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
        appender.awaitDurableOrLead(last, committer);
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

    /** A change to the log's files made with the committer stopped; it restarts the committer last. */
    interface CommitterStoppedChange {
        void run(NativeFile committerTail) throws IOException;
    }

    /**
     * Stops the committer (the log must be drained), runs {@code change}, and releases write
     * leadership. When the change fails, the log fails stop with its cause: the committer is not
     * coming back, so an append would wait forever, and close for its commit marker (found: close
     * hung after truncateAfter threw).
     */
    void withCommitterStopped(CommitterStoppedChange change) throws IOException {
        NativeFile tail = stopCommitter();
        try {
            change.run(tail);
        } catch (IOException | RuntimeException | Error e) {
            committer.failStop(e);
            throw e;
        } finally {
            state.leadership.release();
        }
    }

    /** Stops the committer thread (the log must be drained); returns its tail file. */
    private NativeFile stopCommitter() throws IOException {
        committer.requestStop();
        runner.close();
        state.leadership.acquire(); // an appender may still be finishing the group it leads
        return committer.segmentFile();
    }

    void restartCommitter(long tailIndex, NativeFile tailFile, long tailOffset, long tailBytes, long lastLsn) {
        startCommitter(tailIndex, tailFile, tailOffset, tailBytes, lastLsn);
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
            IOException failure = null;
            try {
                if (state.failure == null && segments.count() > 0) {
                    appender.close();
                    appender.appendCommitMarker();
                    syncAppended();
                } else {
                    appender.close();
                }
            } catch (IOException e) {
                failure = e;
            }
            committer.requestStop();
            runner.close();
            state.leadership.acquire(); // kept: nothing drives the write path after close
            NativeFile tail = committer.segmentFile();
            try {
                committer.drainInFlight();
                if (state.failure == null && failure == null && tail != null) {
                    sealAndMarkClean(tail);
                }
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            } finally {
                closeQuietly(tail);
                segments.closeChannels();
                closeQuietly(preparer);
                closeQuietly(ctx);
                closeQuietly(readCtx);
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
    }

    private void sealAndMarkClean(NativeFile tail) throws IOException {
        AioRequest[] seal = {new AioRequest().prepareSync(tail, SyncMode.FILE)};
        if (ctx.submitAndWait(seal, 0, 1) != 1) {
            throw new WalFailedException("fsync of " + tail.path() + " failed at close: " + seal[0].errno(), null);
        }
        CleanShutdown marker = new CleanShutdown(segments.logId(), committer.segmentIndex(), committer.segmentOffset(),
            appender.lastLsn());
        DurableFiles.replace(ctx, dir.resolve(SegmentFiles.CLEAN_TMP_FILE), dir.resolve(SegmentFiles.CLEAN_FILE), marker.encode());
    }
}
