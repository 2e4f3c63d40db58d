package dev.keel.aio.posix;

import dev.keel.aio.AioCounter;
import dev.keel.aio.AioOpcode;
import dev.keel.aio.AioRequest;
import dev.keel.aio.Errno;
import dev.keel.aio.SyncMode;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.function.ToIntFunction;

import static dev.keel.aio.posix.AiocbDescriptor.LIO_READ;
import static dev.keel.aio.posix.AiocbDescriptor.LIO_WRITE;
import static dev.keel.aio.posix.AiocbDescriptor.POINTER_BYTES;

/**
 * The submission path: hands a batch to glibc in its order, runs of transfers as one
 * {@code lio_listio(LIO_NOWAIT)} each, each sync as one {@code aio_fsync}.
 *
 * <pre>
 *   [W W S W R] ─► prepare aiocbs, pointers into the lio list ─► lio_listio([W W])
 *               ─► aio_fsync(S, O_DSYNC | O_SYNC) ─► lio_listio([W R]) ─► glibc queues per fd
 *   lio list (native): aiocb *[0] ... aiocb *[min(maxInFlight, LIO_CHUNK) - 1]
 *   failed call ─► aiocbs still NOT_QUEUED are the ones glibc did not take ─► reject(errno)
 * </pre>
 *
 * <p>Exact accounting on partial failure: each aiocb's {@code __error_code} holds
 * {@link AiocbTable#NOT_QUEUED} before the call and glibc overwrites it when it queues the
 * request, so after a failed lio_listio the ones still holding the marker are exactly those
 * glibc did not take; they complete with lio_listio's errno. A failed aio_fsync (EBADF for a
 * closed descriptor) completes the same way. Called under the context's enqueue lock, which
 * keeps glibc's per-descriptor order the submission order.
 */
final class GlibcSubmission {
    /** lio_listio builds an array of nent pointers on the caller's stack: keep it small. */
    static final int LIO_CHUNK = 1024;

    /** Counts operations where glibc takes them (the context's counters). */
    @FunctionalInterface
    interface Counting {
        void count(AioCounter counter);
    }

    private final AiocbTable table;
    private final QueueCalls queueCalls;
    private final Counting counting;
    private final ToIntFunction<AioRequest> slotOf;
    /** Holds the lio list's native memory; never freed by hand. */
    private final ByteBuffer lioListMemory;
    private final UnsafeBuffer lioList;

    GlibcSubmission(int maxInFlight, AiocbTable table, QueueCalls queueCalls, Counting counting,
                    ToIntFunction<AioRequest> slotOf) {
        this.table = table;
        this.queueCalls = queueCalls;
        this.counting = counting;
        this.slotOf = slotOf;
        int lioEntries = Math.min(maxInFlight, LIO_CHUNK);
        this.lioListMemory = BufferUtil.allocateDirectAligned(lioEntries * POINTER_BYTES, 64);
        this.lioList = new UnsafeBuffer(lioListMemory);
    }

    /**
     * Hands {@code batch[from, from + count)} to glibc in order (split at {@link #LIO_CHUNK}).
     * Requests glibc refuses get their errno in the table. {@code countOperations} is false
     * when requests go in again (cancel's repair): they were counted the first time.
     */
    void issue(AioRequest[] batch, int from, int count, boolean countOperations) {
        int end = from + count;
        int i = from;
        while (i < end) {
            if (batch[i].opcode() == AioOpcode.SYNC) {
                issueSync(batch[i], countOperations);
                i++;
            } else {
                int runEnd = i;
                while (runEnd < end && runEnd - i < LIO_CHUNK && batch[runEnd].opcode() != AioOpcode.SYNC) {
                    runEnd++;
                }
                issueTransfers(batch, i, runEnd - i, countOperations);
                i = runEnd;
            }
        }
    }

    private void issueTransfers(AioRequest[] batch, int from, int count, boolean countOperations) {
        for (int k = 0; k < count; k++) {
            AioRequest r = batch[from + k];
            int slot = slotOf.applyAsInt(r);
            boolean read = r.opcode() == AioOpcode.READ;
            // An append is a write at offset 0 on an O_APPEND descriptor: pwrite(2) appends there on Linux.
            long offset = r.opcode() == AioOpcode.APPEND ? 0 : r.offset();
            table.prepare(slot, r.file().rawFd(), read ? LIO_READ : LIO_WRITE, r.address(), r.length(), offset);
            lioList.putLong(k * POINTER_BYTES, table.address(slot));
            if (countOperations) {
                counting.count(read ? AioCounter.READS : AioCounter.WRITES);
            }
        }
        counting.count(AioCounter.SUBMIT_CALLS);
        // Never retried: LIO_NOWAIT does not sleep, so it never fails with EINTR, and a retry after
        // a partial failure would queue the accepted requests twice.
        if (queueCalls.lioListio(lioList.addressOffset(), count) == 0) {
            return;
        }
        // Exact accounting: glibc overwrote NOT_QUEUED in every aiocb it took (with EINPROGRESS,
        // or already with the result); the others never reached it.
        int errno = GlibcAio.errno();
        int refused = errno > 0 ? errno : Errno.EAGAIN.value();
        for (int k = 0; k < count; k++) {
            int slot = slotOf.applyAsInt(batch[from + k]);
            if (!table.queuedByGlibc(slot)) {
                table.reject(slot, refused);
            }
        }
    }

    private void issueSync(AioRequest r, boolean countOperations) {
        int slot = slotOf.applyAsInt(r);
        // aio_fsync writes its own opcode (LIO_DSYNC or LIO_SYNC) into the block.
        table.prepare(slot, r.file().rawFd(), LIO_READ, 0, 0, 0);
        boolean data = r.syncMode() == SyncMode.DATA;
        counting.count(AioCounter.SUBMIT_CALLS);
        if (countOperations) {
            counting.count(data ? AioCounter.DATA_SYNCS : AioCounter.FILE_SYNCS);
        }
        int op = data ? AiocbDescriptor.O_DSYNC : AiocbDescriptor.O_SYNC;
        int rc;
        do {
            rc = queueCalls.aioFsync(op, table.address(slot));
        } while (rc != 0 && GlibcAio.errno() == Errno.EINTR.value());
        if (rc != 0) {
            // EBADF for a closed descriptor, EAGAIN when glibc is out of request memory.
            int errno = GlibcAio.errno();
            table.reject(slot, errno > 0 ? errno : Errno.EAGAIN.value());
        }
    }
}
