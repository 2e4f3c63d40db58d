package dev.keel.wal;

import dev.keel.aio.Aio;
import dev.keel.aio.AioBackend;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioOptions;
import dev.keel.aio.BufferRegistrationException;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import dev.keel.aio.Storage;
import dev.keel.recovery.LogRecovery;
import dev.keel.recovery.RecoveredLog;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.SegmentInfo;
import dev.keel.recovery.format.SegmentHeaderDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

/**
 * The opening sequence of a {@link Wal}, and the checks and probes it makes before the log's
 * parts exist.
 *
 * <pre>
 *   recover(dir, options) ─► options checked ─► backend chosen once (write, read, preparation contexts
 *     and file operations all come from it) ─► a file or a foreign directory refused before anything
 *     is created ─► directory created ─► directory lock ─► write and read contexts
 *     ─► head read (the reset epoch) ─► segments of dead epochs deleted ─► recovery (LogRecovery)
 *   (Wal.open logs what recovery found, so the line names Wal.open as its source)
 *   finish() ─► new Wal: parts wired, tail indexed and opened, committer started
 *     ─► an atomic batch a crash cut is dropped
 *   any failure ─► what was opened is closed again, the lock released, the first exception thrown
 * </pre>
 */
final class WalOpen {
    private static final System.Logger LOG = System.getLogger("dev.keel.wal");
    /** In-flight requests of the write and read contexts a log opens. */
    private static final int CONTEXT_MAX_IN_FLIGHT = 64;

    private final Path dir;
    private final WalOptions options;
    private final AioBackend backend;
    private final DirectoryLock lock;
    private final AioContext ctx;
    private final AioContext readCtx;
    private final LogHead head;
    private final RecoveredLog recovered;
    /** The DIRECT layout (its staging buffers registered with ctx where the backend can), or null. */
    private final DirectLayout direct;

    private WalOpen(Path dir, WalOptions options, AioBackend backend, DirectoryLock lock, AioContext ctx,
                    AioContext readCtx, LogHead head, RecoveredLog recovered, DirectLayout direct) {
        this.dir = dir;
        this.options = options;
        this.backend = backend;
        this.lock = lock;
        this.ctx = ctx;
        this.readCtx = readCtx;
        this.head = head;
        this.recovered = recovered;
        this.direct = direct;
    }

    /**
     * The first half of {@link Wal#open(Path, WalOptions)}, up to recovery (see the class
     * comment); on failure whatever it opened is closed again and the lock released.
     */
    static WalOpen recover(Path dir, WalOptions options) throws IOException {
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
            readCtx = backend.open(AioOptions.defaults().backend(backend).maxInFlight(CONTEXT_MAX_IN_FLIGHT));
            LogHead.discardUnfinished(storage, dir);
            LogHead head = LogHead.read(dir);
            LogStart.deleteDeadSegments(storage, dir, head.epochSegment());
            RecoveredLog recovered = new LogRecovery(readCtx, options.recoveryMode(), false).recover(dir);
            return new WalOpen(dir, options, backend, lock, ctx, readCtx, head, recovered, direct);
        } catch (IOException | RuntimeException e) {
            closeQuietly(readCtx);
            closeQuietly(ctx);
            lock.close();
            throw e;
        }
    }

    RecoveredLog recovered() {
        return recovered;
    }

    /**
     * The second half: the log's parts wired over what recovery found, and an atomic batch a
     * crash cut dropped. On failure everything is closed again and the lock released.
     */
    Wal finish() throws IOException {
        try {
            Wal wal = new Wal(dir, options, lock, backend, ctx, readCtx, recovered, head, direct);
            try {
                wal.dropIncompleteBatch();
            } catch (IOException | RuntimeException e) {
                closeQuietly(wal);
                throw e;
            }
            return wal;
        } catch (IOException | RuntimeException e) {
            abandon();
            throw e;
        }
    }

    /** Closes the contexts and releases the lock of an opening that will not finish. */
    void abandon() throws IOException {
        closeQuietly(readCtx);
        closeQuietly(ctx);
        lock.close();
    }

    /**
     * Where a log continues at open: its tail segment's index, the offset appending goes on
     * from, the next LSN, and the tail's file (null for an empty log) and size.
     */
    record Tail(long index, long offsetBytes, long nextLsn, NativeFile file, long bytes) {
    }

    /**
     * Enters the recovered segments into {@code segments}, then indexes the tail (appending goes
     * on extending its offsets) and opens it. The tail keeps the size it was created with (its
     * header's), whatever the options say now. An empty log continues at its head (a reset may
     * have moved it), in the segment after the reset epoch's. Makes the usable spares after the
     * tail count as prepared. On failure closes what it opened and the preparer, whose thread and
     * context would outlive a log that never opened.
     */
    static Tail openTail(Path dir, WalOptions options, AioContext readCtx, Segments segments, SegmentPreparer preparer,
                         RecoveredLog recovered, LogHead head, Storage storage) throws IOException {
        long tailIndex = Math.max(0, head.epochSegment() - 1);
        long tailOffset = options.segmentBytes();
        for (SegmentInfo s : recovered.segments()) {
            segments.add(s.index(), s.firstLsn(), false);
            tailIndex = s.index();
            tailOffset = s.endOffsetBytes();
        }
        boolean empty = recovered.segments().isEmpty();
        long nextLsn = head.nextLsn(recovered);
        NativeFile tailFile = null;
        try {
            preparer.alreadyPrepared(tailIndex + usableSpares(storage, recovered.spareSegments(), options.segmentBytes()));
            if (empty) {
                return new Tail(tailIndex, tailOffset, nextLsn, null, options.segmentBytes());
            }
            segments.byIndex(tailIndex).offsets().build(readCtx, SegmentFiles.segmentPath(dir, tailIndex), tailIndex,
                segments.logId(), nextLsn - 1, options.recoveryMode() == RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS);
            tailFile = segments.openTail(tailIndex);
            return new Tail(tailIndex, tailOffset, nextLsn, tailFile, tailFile.size());
        } catch (IOException | RuntimeException e) {
            closeQuietly(tailFile);
            closeQuietly(preparer);
            throw e;
        }
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
        AioOptions write = AioOptions.defaults().backend(backend).maxInFlight(CONTEXT_MAX_IN_FLIGHT);
        if (direct == null) {
            return backend.open(write);
        }
        ByteBuffer[] staging = direct.stagingBuffers();
        try {
            return backend.open(write.registeredBuffers(staging));
        } catch (BufferRegistrationException e) {
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

    /** A new log's identity, salted into its frames: random, and never 0, which recovery reports for a log without segments. */
    static long newLogId() {
        long id;
        do {
            id = new SecureRandom().nextLong();
        } while (id == 0);
        return id;
    }

    /** Closes {@code c} if it is not null, ignoring what it throws: the caller is already failing. */
    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Already failing: the first exception is the one to report.
            }
        }
    }
}
