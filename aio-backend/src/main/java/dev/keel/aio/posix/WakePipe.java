package dev.keel.aio.posix;

import dev.keel.aio.AioException;
import dev.keel.aio.Errno;
import dev.keel.aio.internal.LibC;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import static dev.keel.aio.posix.AiocbDescriptor.AIOCB_BYTES;
import static dev.keel.aio.posix.AiocbDescriptor.BUF_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.EINPROGRESS;
import static dev.keel.aio.posix.AiocbDescriptor.FILDES_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.LIO_OPCODE_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.LIO_READ;
import static dev.keel.aio.posix.AiocbDescriptor.NBYTES_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.POINTER_BYTES;
import static dev.keel.aio.posix.AiocbDescriptor.SIGEV_NONE;
import static dev.keel.aio.posix.AiocbDescriptor.SIGEV_NOTIFY_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.TIMESPEC_BYTES;
import static dev.keel.aio.posix.AiocbDescriptor.TIMESPEC_NSEC_OFFSET;

/**
 * How the thread blocked in {@code aio_suspend} is made to return: aio_suspend waits only for
 * aiocbs, so one aio_read on a pipe is kept in flight and listed first in every aio_suspend
 * call; a byte written to the pipe completes that read and glibc wakes the waiter.
 *
 * <pre>
 *   signal() ── write 1 byte ──► pipe ──► glibc worker's read(2) returns ──► aiocb done
 *                                                                             │
 *   the leader in aio_suspend([wake, ...]) ◄── glibc notifies its waiters ◄───┘
 *   the leader re-arms the read (rearmIfFired) once aio_suspend has returned, and returns
 * </pre>
 *
 * <p>Why a thread that re-arms must return rather than go on to sleep: once re-armed, the
 * aiocb no longer shows the wake-up. The re-arming thread itself re-evaluates (its context
 * re-scans, the base loop re-checks its wake-up flag), so every wake-up is seen by a thread
 * that looks again. Only the context's single aio_suspend caller re-arms, and never while an
 * aio_suspend lists the aiocb: glibc must not see it queued again under a waiting call (see
 * {@link PosixAioContext}).
 *
 * <p>The read is glibc work like any other: it is never in a slot, never counted in flight,
 * never delivered. It pins one glibc worker thread in read(2) for the life of the context
 * (see {@link GlibcAio#AIO_THREADS}).
 */
final class WakePipe {
    /** Bytes one read drains: wake-ups that pile up complete one read, not one each. */
    private static final int READ_BUFFER_BYTES = 64;
    private static final long REARM_RETRY_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long RETIRE_WAIT_SLICE_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int READ_BUFFER_OFFSET = AIOCB_BYTES;
    private static final int WRITE_BYTE_OFFSET = READ_BUFFER_OFFSET + READ_BUFFER_BYTES;
    private static final int LIST_OFFSET = WRITE_BYTE_OFFSET + 8;
    private static final int TIMESPEC_OFFSET = LIST_OFFSET + POINTER_BYTES;
    private static final int MEMORY_BYTES = TIMESPEC_OFFSET + TIMESPEC_BYTES;

    private final int readFd;
    private final int writeFd;
    /** Held so the aiocb and buffers are not freed while glibc may write into them. */
    private final ByteBuffer memory;
    private final UnsafeBuffer block;
    private final long aiocbAddress;
    /** Serializes re-arming with retirement, and writing with closing the write end. */
    private final ReentrantLock lock = new ReentrantLock();
    private boolean retired;

    private WakePipe(int readFd, int writeFd, ByteBuffer memory) {
        this.readFd = readFd;
        this.writeFd = writeFd;
        this.memory = memory;
        this.block = new UnsafeBuffer(memory);
        this.aiocbAddress = block.addressOffset();
    }

    /** A pipe with its read armed. The read end blocks (a glibc worker sleeps in it); the write end never does. */
    static WakePipe open() throws AioException {
        ByteBuffer memory = BufferUtil.allocateDirectAligned(MEMORY_BYTES, 64);
        UnsafeBuffer m = new UnsafeBuffer(memory);
        m.setMemory(0, MEMORY_BYTES, (byte) 0);
        if (GlibcAio.pipe2(m.addressOffset() + LIST_OFFSET, LibC.O_CLOEXEC) != 0) {
            throw new AioException("pipe2", null, GlibcAio.errno());
        }
        int readFd = m.getInt(LIST_OFFSET);
        int writeFd = m.getInt(LIST_OFFSET + 4);
        WakePipe pipe = new WakePipe(readFd, writeFd, memory);
        String failedCall = null;
        int flags = GlibcAio.fcntl(writeFd, GlibcAio.F_GETFL, 0);
        if (flags < 0 || GlibcAio.fcntl(writeFd, GlibcAio.F_SETFL, flags | LibC.O_NONBLOCK) < 0) {
            failedCall = "fcntl";
        } else if (pipe.arm() != 0) {
            failedCall = "aio_read";
        }
        if (failedCall != null) {
            int err = GlibcAio.errno();
            GlibcAio.close(readFd);
            GlibcAio.close(writeFd);
            throw new AioException(failedCall, null, err, "setting up the wake-up pipe");
        }
        return pipe;
    }

    /** Queues the read; 0, or -1 with errno set by aio_read. */
    private int arm() {
        block.putInt(FILDES_OFFSET, readFd);
        block.putInt(LIO_OPCODE_OFFSET, LIO_READ);
        block.putLong(BUF_OFFSET, aiocbAddress + READ_BUFFER_OFFSET);
        block.putLong(NBYTES_OFFSET, READ_BUFFER_BYTES);
        block.putInt(SIGEV_NOTIFY_OFFSET, SIGEV_NONE);
        // aio_offset stays 0: pread on a pipe fails with ESPIPE and glibc falls back to read.
        return GlibcAio.aio_read(aiocbAddress);
    }

    /** The aiocb every aio_suspend list carries. */
    long aiocbAddress() {
        return aiocbAddress;
    }

    /**
     * If the read completed since it was armed, queues it again and returns true: the caller
     * must then look again instead of sleeping. Only for the context's aio_suspend caller, while
     * no aio_suspend is in progress. After {@link #retire} it only reports.
     */
    boolean rearmIfFired() {
        if (GlibcAio.aio_error(aiocbAddress) == EINPROGRESS) {
            return false;
        }
        lock.lock();
        try {
            // Checked again under the lock: another thread may have re-armed it meanwhile.
            if (!retired && GlibcAio.aio_error(aiocbAddress) != EINPROGRESS) {
                GlibcAio.aio_return(aiocbAddress);
                if (arm() != 0) {
                    // Out of glibc request memory or threads: try again on the next look,
                    // not in a tight loop.
                    LockSupport.parkNanos(REARM_RETRY_NS);
                }
            }
        } finally {
            lock.unlock();
        }
        return true;
    }

    /** Completes the armed read, so the aio_suspend in progress (or the next) returns. Never blocks on the pipe. */
    void signal() {
        lock.lock();
        try {
            if (retired) {
                return;
            }
            long r;
            do {
                r = GlibcAio.write(writeFd, aiocbAddress + WRITE_BYTE_OFFSET, 1);
            } while (r < 0 && GlibcAio.errno() == Errno.EINTR.value());
            // EAGAIN: the pipe is full of earlier wake-ups, which will complete the read anyway.
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops re-arming, completes the read in flight by closing the write end (read(2) sees end
     * of file), waits until glibc is done with the aiocb, and closes the read end: a read end
     * closed under a blocked read would pin a glibc worker forever.
     */
    void retire() throws AioException {
        lock.lock();
        try {
            if (retired) {
                return;
            }
            retired = true;
            GlibcAio.close(writeFd);
        } finally {
            lock.unlock();
        }
        block.putLong(LIST_OFFSET, aiocbAddress);
        block.putLong(TIMESPEC_OFFSET + TIMESPEC_NSEC_OFFSET, RETIRE_WAIT_SLICE_NS);
        while (GlibcAio.aio_error(aiocbAddress) == EINPROGRESS) {
            int r = GlibcAio.aio_suspend(aiocbAddress + LIST_OFFSET, 1, aiocbAddress + TIMESPEC_OFFSET);
            int err = r == 0 ? 0 : GlibcAio.errno();
            if (err != 0 && err != Errno.EAGAIN.value() && err != Errno.EINTR.value()) {
                throw new AioException("aio_suspend", null, err, "waiting for the wake-up read to end");
            }
        }
        GlibcAio.aio_return(aiocbAddress);
        GlibcAio.close(readFd);
    }

    @Override
    public String toString() {
        return "WakePipe[read=" + readFd + ", write=" + writeFd + ", retired=" + retired + ", memory=" + memory.capacity() + "]";
    }
}
