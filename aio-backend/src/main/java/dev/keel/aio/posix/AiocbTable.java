package dev.keel.aio.posix;

import dev.keel.aio.Errno;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

import static dev.keel.aio.posix.AiocbDescriptor.AIOCB_BYTES;
import static dev.keel.aio.posix.AiocbDescriptor.BUF_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.EINPROGRESS;
import static dev.keel.aio.posix.AiocbDescriptor.ERROR_CODE_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.FILDES_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.LIO_OPCODE_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.NBYTES_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.OFFSET_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.REQPRIO_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.RETURN_VALUE_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.SIGEV_NONE;
import static dev.keel.aio.posix.AiocbDescriptor.SIGEV_NOTIFY_OFFSET;

/**
 * The aiocb memory table: one raw {@code struct aiocb} per slot ({@link AiocbDescriptor}), in
 * memory that lives as long as the context (glibc writes into a block until aio_error reports
 * it done), and what the context knows about each slot's request besides.
 *
 * <pre>
 *   native memory: aiocb[0] aiocb[1] ... aiocb[n - 1]     168 bytes each, zeroed once
 *   per slot:      fd | rejectedErrno | canceled | requeuePending
 *
 *   prepare ─► __error_code = NOT_QUEUED ─► lio_listio / aio_fsync ─► glibc overwrites it
 *     still NOT_QUEUED after a failed call ─► glibc never took it ─► reject(errno)
 *   glibcResult ─► aio_error: EINPROGRESS ─► NOT_DONE;  else aio_return ─► bytes or -errno
 * </pre>
 *
 * <p>The per-slot state is written at submission (under the context's enqueue lock) and read
 * and changed under its list lock; the aiocbs themselves are shared with glibc's threads,
 * which is why the error code is read with volatile semantics.
 */
final class AiocbTable {
    /** Written into __error_code before lio_listio; glibc never writes a negative value there. */
    static final int NOT_QUEUED = -1;
    /** {@link #glibcResult}: glibc still has the request. */
    static final int NOT_DONE = Integer.MIN_VALUE;

    /** One aiocb per slot; held so glibc's writes land in live memory. */
    private final ByteBuffer memory;
    private final UnsafeBuffer aiocbs;
    private final long base;
    private final int[] fd;
    /** Non-zero: glibc never took the request; it completes with this errno. */
    private final int[] rejectedErrno;
    /** aio_cancel answered AIO_CANCELED: done with ECANCELED, whatever its descriptor's queue does. */
    private final boolean[] canceled;
    /** Cancel's descriptor-wide cancel took it out of glibc; it is queued again before anyone looks. */
    private final boolean[] requeuePending;

    AiocbTable(int slots) {
        this.memory = BufferUtil.allocateDirectAligned(slots * AIOCB_BYTES, 64);
        this.aiocbs = new UnsafeBuffer(memory);
        this.aiocbs.setMemory(0, slots * AIOCB_BYTES, (byte) 0);
        this.base = aiocbs.addressOffset();
        this.fd = new int[slots];
        this.rejectedErrno = new int[slots];
        this.canceled = new boolean[slots];
        this.requeuePending = new boolean[slots];
    }

    long address(int slot) {
        return base + (long) slot * AIOCB_BYTES;
    }

    /** Fills the slot's aiocb and clears its state; glibc fills its private fields when it queues the request. */
    void prepare(int slot, int fileDescriptor, int lioOpcode, long bufferAddress, long lengthBytes, long offset) {
        int at = slot * AIOCB_BYTES;
        aiocbs.putInt(at + FILDES_OFFSET, fileDescriptor);
        aiocbs.putInt(at + LIO_OPCODE_OFFSET, lioOpcode);
        // Priority 0 for every request: glibc orders a descriptor's queue by priority first.
        aiocbs.putInt(at + REQPRIO_OFFSET, 0);
        aiocbs.putLong(at + BUF_OFFSET, bufferAddress);
        aiocbs.putLong(at + NBYTES_OFFSET, lengthBytes);
        aiocbs.putInt(at + SIGEV_NOTIFY_OFFSET, SIGEV_NONE);
        aiocbs.putLong(at + OFFSET_OFFSET, offset);
        aiocbs.putLong(at + RETURN_VALUE_OFFSET, 0);
        aiocbs.putIntVolatile(at + ERROR_CODE_OFFSET, NOT_QUEUED);
        fd[slot] = fileDescriptor;
        rejectedErrno[slot] = 0;
        canceled[slot] = false;
    }

    /** False while __error_code still holds {@link #NOT_QUEUED}: glibc never took the request. */
    boolean queuedByGlibc(int slot) {
        return aiocbs.getIntVolatile(slot * AIOCB_BYTES + ERROR_CODE_OFFSET) != NOT_QUEUED;
    }

    /** The aio_lio_opcode glibc wrote when it queued the request (its LIO_DSYNC is 3, LIO_SYNC 4). */
    int queuedOpcode(int slot) {
        return aiocbs.getIntVolatile(slot * AIOCB_BYTES + LIO_OPCODE_OFFSET);
    }

    int fd(int slot) {
        return fd[slot];
    }

    void reject(int slot, int errno) {
        assert errno > 0 : "errno " + errno;
        rejectedErrno[slot] = errno;
    }

    /** Non-zero when glibc never took the request: the errno it completes with. */
    int rejectedErrno(int slot) {
        return rejectedErrno[slot];
    }

    void markCanceled(int slot) {
        canceled[slot] = true;
    }

    boolean isCanceled(int slot) {
        return canceled[slot];
    }

    boolean requeuePending(int slot) {
        return requeuePending[slot];
    }

    void requeuePending(int slot, boolean pending) {
        requeuePending[slot] = pending;
    }

    /** aio_error of the slot's aiocb, read now. */
    int glibcError(int slot) {
        return GlibcAio.aio_error(address(slot));
    }

    /** True when glibc still has the request queued or running, and we neither refused nor canceled it. */
    boolean inGlibc(int slot) {
        return rejectedErrno[slot] == 0 && !canceled[slot] && glibcError(slot) == EINPROGRESS;
    }

    /**
     * The request's result from glibc (bytes, or a negative errno) if it is done, else
     * {@link #NOT_DONE}. aio_error takes glibc's lock after the worker stored the result: the
     * aio_return that follows sees it, and glibc no longer touches the aiocb, so the slot may be
     * reused.
     */
    int glibcResult(int slot) {
        long aiocb = address(slot);
        int error = GlibcAio.aio_error(aiocb);
        if (error == EINPROGRESS) {
            return NOT_DONE;
        }
        long returned = GlibcAio.aio_return(aiocb);
        if (error == 0) {
            return (int) returned;
        }
        return error > 0 ? -error : -Errno.EIO.value();
    }
}
