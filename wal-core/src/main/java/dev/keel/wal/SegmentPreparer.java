package dev.keel.wal;

import dev.keel.aio.AddressOf;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioOpcode;
import dev.keel.aio.AioException;
import dev.keel.aio.AioRequest;
import dev.keel.aio.Errno;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import dev.keel.aio.SyncMode;
import dev.keel.recovery.SegmentFiles;
import org.agrona.BufferUtil;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Prepares the next segment before it is needed, on its own thread: writes a {@code .prep} file
 * (or a recycled {@code .spare}, see {@link SpareSegments}) full of zeros (measured faster to
 * fdatasync into than fallocated blocks: the extents are already written, so a data sync flushes
 * data only), or, with {@link WalOptions#zeroFillSegments} off, only allocates a new one
 * (fallocate: the device writes each byte once); syncs it, renames it to its segment name and
 * syncs the directory. A {@code .prep} file never holds a record, so recovery may delete it.
 *
 * <p>The zeros go through the page cache on purpose. Written O_DIRECT (no copy, no cache), they
 * made a lone 4 KiB FDATASYNC writer 0.6x as fast (interleaved, load 1): the log's buffered
 * frames are not page-aligned, so a write into a page the cache does not hold reads it first.
 *
 * <p>Failure (a full disk, above all) is kept and given to whoever needs the segment, with the
 * directory and the bytes needed; the log then fails stop instead of writing without space.
 */
final class SegmentPreparer implements AutoCloseable {
    private static final int ZERO_CHUNK_BYTES = 1 << 20;
    private static final int CHUNKS_IN_FLIGHT = 8;

    private final Path dir;
    private final long segmentBytes;
    /** False: a new file is only allocated, not written with zeros (a spare is always zeroed). */
    private final boolean zeroFill;
    private final AioContext ctx;
    private final SpareSegments spares;
    private final Thread thread;
    private long requested = -1;
    private long prepared = -1;
    private IOException failure;
    private long failedIndex = -1;
    private boolean stopping;

    SegmentPreparer(Path dir, long segmentBytes, boolean zeroFill, AioContext ctx, SpareSegments spares) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.zeroFill = zeroFill;
        this.ctx = ctx;
        this.spares = spares;
        this.thread = new Thread(this::run, "keel-wal-preparer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Hands back a segment truncateBefore dropped: kept as a spare for a later roll, or deleted. */
    void retire(Path segment, long index) throws IOException {
        spares.retire(segment, index);
    }

    /** Marks {@code index} as already there (a spare segment recovery found). */
    synchronized void alreadyPrepared(long index) {
        prepared = Math.max(prepared, index);
    }

    /**
     * Forgets every prepared segment after {@code lastLiveIndex} (after a truncation deleted
     * segments): waits for a preparation in progress, deletes spare files beyond it (they are
     * all zeros, never written), and starts again from there.
     */
    synchronized void resetTo(long lastLiveIndex) throws IOException {
        while (requested > prepared && failedIndex != prepared + 1 && !stopping) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while resetting the segment preparer", e);
            }
        }
        for (long i = lastLiveIndex + 1; i <= Math.max(prepared, requested); i++) {
            ctx.storage().deleteIfExists(SegmentFiles.segmentPath(dir, i));
        }
        ctx.storage().syncDirectory(dir);
        prepared = lastLiveIndex;
        requested = lastLiveIndex;
        failure = null;
        failedIndex = -1;
    }

    /** Asks for segment {@code index} to be prepared in the background. */
    synchronized void request(long index) {
        if (index > requested) {
            requested = index;
            notifyAll();
        }
    }

    /** Waits until segment {@code index} exists, preparing it if nobody asked yet. */
    void awaitPrepared(long index) throws IOException {
        synchronized (this) {
            request(index);
            while (prepared < index && failedIndex != index && !stopping) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for segment " + index, e);
                }
            }
            if (prepared < index) {
                throw failure != null ? failure : new IOException("segment preparer stopped before segment " + index);
            }
        }
    }

    private void run() {
        while (true) {
            long next;
            synchronized (this) {
                while (!stopping && requested <= prepared) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (stopping) {
                    return;
                }
                next = prepared + 1;
            }
            try {
                prepare(next);
                synchronized (this) {
                    prepared = next;
                    notifyAll();
                }
            } catch (IOException e) {
                synchronized (this) {
                    failure = e;
                    failedIndex = next;
                    notifyAll();
                }
                return;
            }
        }
    }

    private void prepare(long index) throws IOException {
        Path target = SegmentFiles.segmentPath(dir, index);
        if (ctx.storage().exists(target)) {
            return;
        }
        Path spare = spares.take(index);
        Path prep = spare != null ? spare : dir.resolve(SegmentFiles.preparingName(index));
        try (NativeFile f = ctx.storage().open(prep, OpenFlag.WRITE, OpenFlag.CREATE)) {
            if (spare == null) {
                ctx.storage().truncate(f, 0);
            }
            if (spare == null && !zeroFill) {
                allocate(f, index);
            } else {
                zeroFill(f, index); // a spare's old frames are overwritten here, before it joins the log
            }
            AioRequest[] sync = {new AioRequest().prepareSync(f, SyncMode.FILE)};
            ctx.submitAndWait(sync, 0, 1);
            failIfError(sync[0], prep, 0, index);
        } catch (IOException | RuntimeException e) {
            // A partial .prep (or half-zeroed spare) holds no record; left behind it would keep the disk full (and on a
            // full disk nothing else could free that space for the log).
            try {
                ctx.storage().deleteIfExists(prep);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        ctx.storage().rename(prep, target);
        if (!PlantedBug.isActive(PlantedBug.NO_DIRECTORY_SYNC_AFTER_SEGMENT_CREATE)) {
            ctx.storage().syncDirectory(dir);
        }
    }

    private void allocate(NativeFile f, long index) throws IOException {
        try {
            ctx.storage().allocate(f, 0, segmentBytes);
        } catch (AioException e) {
            if (e.errno() != null && e.errno().isOutOfSpace()) {
                throw new AioException("fallocate", f.path(), e.rawErrno(), outOfSpaceAdvice(index));
            }
            throw e;
        }
    }

    private void zeroFill(NativeFile f, long index) throws IOException {
        ByteBuffer zeros = BufferUtil.allocateDirectAligned(ZERO_CHUNK_BYTES, 4096);
        AioRequest[] window = new AioRequest[CHUNKS_IN_FLIGHT];
        for (int i = 0; i < window.length; i++) {
            window[i] = new AioRequest();
        }
        for (long at = 0; at < segmentBytes; ) {
            int n = 0;
            for (; n < window.length && at < segmentBytes; n++) {
                int len = (int) Math.min(ZERO_CHUNK_BYTES, segmentBytes - at);
                window[n].prepareWrite(f, at, AddressOf.buffer(zeros), len);
                at += len;
            }
            ctx.submitAndWait(window, 0, n);
            for (int i = 0; i < n; i++) {
                failIfError(window[i], f.path(), window[i].offset(), index);
            }
        }
    }

    private void failIfError(AioRequest r, Path path, long offset, long index) throws IOException {
        int res = r.result();
        if (res >= 0 && (r.opcode() != AioOpcode.WRITE || res == r.length())) {
            return;
        }
        Errno errno = res < 0 ? Errno.of(-res) : Errno.ENOSPC;
        if (errno.isOutOfSpace()) {
            throw new AioException("write", path, errno.value(), outOfSpaceAdvice(index));
        }
        throw new AioException(r.opcode() == AioOpcode.SYNC ? "fsync" : "write", path,
            res < 0 ? -res : Errno.EIO.value(), res >= 0 ? "short write of " + res + " bytes at " + offset : null);
    }

    /** What a full disk needs, and which option or call makes the need smaller. */
    private String outOfSpaceAdvice(long index) {
        String advice = "no space left in " + dir + " for segment " + index + ": a segment needs " + segmentBytes
            + " bytes (WalOptions.segmentBytes; free space, or reopen with a smaller WalOptions.segmentBytes, at least "
            + WalOptions.MIN_SEGMENT_BYTES + ": existing segments keep their size";
        return advice + (index > 1 ? ", or drop old segments with Wal.truncateBefore)" : ")");
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            stopping = true;
            notifyAll();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ctx.close();
    }
}
