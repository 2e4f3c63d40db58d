package dev.keel.aio.uring;

import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.Errno;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Waiting on the ring, and getting the waiters out again: the blocking io_uring_enter, the
 * wakeup NOP, and the gate that close passes only once no thread uses the ring memory.
 *
 * <pre>
 *   awaitCompletion ─► io_uring_enter(0, min_complete 1, GETEVENTS | EXT_ARG, {timeout}) ─► returns on
 *                      any CQE, the timeout, or a signal
 *   postWakeup ─► NOP SQE, user_data WAKEUP, unless one is already on its way (wakeupNopPending)
 *                 ─► its CQE makes every waiting io_uring_enter return; reap clears the flag
 *   enter / exit ─► ringUsers + 1 / - 1 (refused once the context is closed)
 *   awaitUsersGone (close) ─► while ringUsers > 0: postWakeup, park 100 us ─► ring may be unmapped
 * </pre>
 *
 * <p>min_complete is 1, not the caller's wanted count: a single CQE (the wakeup NOP) must wake
 * every waiter, and a held sync only reaches the kernel after a reap. At most one wakeup NOP is
 * in the ring: while its CQE is there every io_uring_enter(GETEVENTS) returns at once, so a
 * second one would add nothing. The wait argument is per thread: the kernel copies it at entry.
 */
final class IoUringWait {
    private static final int EINTR = Errno.EINTR.value();
    private static final int EAGAIN = Errno.EAGAIN.value();
    private static final int EBUSY = Errno.EBUSY.value();
    private static final int ETIME = Errno.ETIME.value();
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** How long close parks between wakeups while threads still use the ring. */
    private static final long USERS_GONE_RECHECK_NS = 100_000L;

    /** One wait-argument block per thread that blocks: the kernel copies it at entry. */
    private static final ThreadLocal<UnsafeBuffer> WAIT_ARG = ThreadLocal.withInitial(
        () -> new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 64)));

    private final IoUringRing ring;
    private final ReentrantLock ringLock;
    private final IoUringSubmission submission;
    private final BooleanSupplier closed;
    /** Threads using the ring memory; close waits for them to leave before unmapping. */
    private final AtomicInteger ringUsers = new AtomicInteger();
    /** A wakeup NOP is in the SQ or its CQE in the CQ; shared with the CQ consumer, which clears it. */
    private final AtomicBoolean wakeupNopPending;

    IoUringWait(IoUringRing ring, ReentrantLock ringLock, IoUringSubmission submission, AtomicBoolean wakeupNopPending,
                BooleanSupplier closed) {
        this.ring = ring;
        this.ringLock = ringLock;
        this.submission = submission;
        this.wakeupNopPending = wakeupNopPending;
        this.closed = closed;
    }

    /** io_uring_enter(GETEVENTS | EXT_ARG, min_complete 1) with a relative timeout; returns early on EINTR. */
    void awaitCompletion(long timeoutNs) throws AioException {
        UnsafeBuffer arg = WAIT_ARG.get();
        arg.putLong(GeteventsArgDescriptor.SIGMASK_OFFSET, 0L);
        arg.putInt(GeteventsArgDescriptor.SIGMASK_SZ_OFFSET, 0);
        arg.putInt(GeteventsArgDescriptor.PAD_OFFSET, 0);
        if (timeoutNs == AioContext.INFINITE) {
            arg.putLong(GeteventsArgDescriptor.TS_OFFSET, 0L);
        } else {
            arg.putLong(GeteventsArgDescriptor.TS_OFFSET, arg.addressOffset() + GeteventsArgDescriptor.TV_SEC_OFFSET);
            arg.putLong(GeteventsArgDescriptor.TV_SEC_OFFSET, timeoutNs / NANOS_PER_SECOND);
            arg.putLong(GeteventsArgDescriptor.TV_NSEC_OFFSET, timeoutNs % NANOS_PER_SECOND);
        }
        int r = ring.enter(0, 1, IoUringSyscalls.IORING_ENTER_GETEVENTS | IoUringSyscalls.IORING_ENTER_EXT_ARG,
            arg.addressOffset(), GeteventsArgDescriptor.ARG_BYTES);
        if (r < 0 && r != -ETIME && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
            throw new AioException("io_uring_enter", null, -r, "waiting for completions");
        }
    }

    /**
     * Submits the wakeup NOP unless one is already on its way: while its CQE is in the ring,
     * every io_uring_enter(GETEVENTS) returns at once, so a second one would add nothing.
     */
    void postWakeup() {
        if (!wakeupNopPending.compareAndSet(false, true)) {
            return;
        }
        ringLock.lock();
        try {
            submission.writeWakeupNop();
            submission.flush();
        } finally {
            ringLock.unlock();
        }
    }

    boolean wakeupNopPending() {
        return wakeupNopPending.get();
    }

    /** The kernel refused the wakeup NOP's SQE: none is on its way any more. */
    void wakeupRefused() {
        wakeupNopPending.set(false);
    }

    /** A thread starts using the ring memory; false (and not counted) once the context is closed. */
    boolean enter() {
        ringUsers.incrementAndGet();
        if (closed.getAsBoolean()) {
            ringUsers.decrementAndGet();
            return false;
        }
        return true;
    }

    void exit() {
        ringUsers.decrementAndGet();
    }

    /**
     * The context is marked closed, so no thread starts using the ring any more: wakes the ones
     * inside (a waiter in io_uring_enter) and returns once they have left, so the ring may be
     * unmapped.
     */
    void awaitUsersGone() {
        while (ringUsers.get() > 0) {
            postWakeup();
            LockSupport.parkNanos(USERS_GONE_RECHECK_NS);
        }
    }
}
