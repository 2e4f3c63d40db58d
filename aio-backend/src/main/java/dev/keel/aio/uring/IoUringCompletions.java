package dev.keel.aio.uring;

import dev.keel.aio.AioException;
import dev.keel.aio.AioRequest;
import dev.keel.aio.Errno;
import dev.keel.aio.internal.SlotDeque;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Completions, from the kernel and from the backend itself.
 *
 * <pre>
 *   CQ (consumer, under the context's cq lock):
 *     load-acquire CQ tail ─► copy request CQEs into userData[] / results[] ─► store-release CQ head
 *       wakeup NOP CQE ─► wakeupNopPending = false;  ASYNC_CANCEL CQE ─► IoUringCancel.recordAnswer
 *     IORING_SQ_CQ_OVERFLOW ─► io_uring_enter(GETEVENTS) moves the kernel's overflow list into the ring
 *   local (under the ring lock): requests the backend completed itself (canceled while held,
 *   refused by the kernel) and parked linked syncs a write released, in delivery order
 *     postLocal(slot) ─► local ◄─ releasedSyncs (after the write that released them)
 * </pre>
 *
 * <p>{@link #localCount} is read without the lock by reap and block, so neither takes the lock
 * when nothing is posted.
 */
final class IoUringCompletions {
    private static final int EINTR = Errno.EINTR.value();
    private static final int EAGAIN = Errno.EAGAIN.value();
    private static final int EBUSY = Errno.EBUSY.value();

    private final IoUringRing ring;
    private final IoUringSlots slots;
    private final AtomicBoolean wakeupNopPending;
    private IoUringCancel cancel;

    // CQ consumer (cq lock).
    private int cqHead;
    /** The request CQEs of the last {@link #consume}: user_data and result, index-aligned. */
    final long[] userData;
    final int[] results;

    // Local completions (ring lock).
    private final SlotDeque local;
    /** Parked syncs released by a write's completion, posted right after that write. */
    private final SlotDeque releasedSyncs = new SlotDeque(16);
    private volatile int localCount;
    private boolean wakeNeeded;

    IoUringCompletions(IoUringRing ring, IoUringSlots slots, AtomicBoolean wakeupNopPending) {
        this.ring = ring;
        this.slots = slots;
        this.wakeupNopPending = wakeupNopPending;
        this.userData = new long[slots.size()];
        this.results = new int[slots.size()];
        this.local = new SlotDeque(slots.size());
    }

    /** Set once, by the context's constructor: cancel answers arrive on the CQ. */
    void answersTo(IoUringCancel canceller) {
        this.cancel = canceller;
    }

    // ================================================================== CQ

    /**
     * Copies up to {@code limit} request CQEs into {@link #userData} / {@link #results} and
     * hands their entries back to the kernel; NOP and cancel answers are consumed on the way.
     * Returns how many request CQEs were copied. Under the cq lock.
     */
    int consume(int limit) {
        limit = Math.min(limit, userData.length);
        int head = cqHead;
        int tail = ring.cqTailAcquire();
        int k = 0;
        while (head != tail && k < limit) {
            long tag = ring.cqeUserData(head);
            int res = ring.cqeResult(head);
            head++;
            if (tag == IoUringSlots.WAKEUP_USER_DATA) {
                wakeupNopPending.set(false);
            } else if (IoUringSlots.isCancelTag(tag)) {
                cancel.recordAnswer(tag, res);
            } else {
                userData[k] = tag;
                results[k] = res;
                k++;
            }
        }
        if (head != cqHead) {
            cqHead = head;
            ring.releaseCqHead(head);
        }
        return k;
    }

    /** With completions waiting in the kernel's overflow list, enters to move them into the ring. */
    boolean flushOverflow() throws AioException {
        if (!overflowFlagged()) {
            return false;
        }
        int r = ring.enter(0, 0, IoUringSyscalls.IORING_ENTER_GETEVENTS, 0, 0);
        if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
            throw new AioException("io_uring_enter", null, -r, "flushing the CQ overflow list");
        }
        return ring.completionsReady();
    }

    boolean overflowFlagged() {
        return (ring.sqFlags() & IoUringRing.IORING_SQ_CQ_OVERFLOW) != 0;
    }

    // ================================================================== local

    /** True when completions wait in the CQ ring, in the overflow list, or here. */
    boolean anyReady() throws AioException {
        return localCount > 0 || ring.completionsReady() || flushOverflow();
    }

    boolean hasLocal() {
        return localCount > 0;
    }

    /** Queues a request the backend completed itself for the next reap, then any sync it released. Under the ring lock. */
    void postLocal(int slot) {
        local.addLast(slot);
        postReleasedSyncs();
        localCount = local.size();
        wakeNeeded = true;
    }

    /** A parked linked sync whose result is now set: it goes out after the write that released it. */
    void released(int slot) {
        releasedSyncs.addLast(slot);
    }

    /** Queues the parked syncs that completed writes released, after those writes. Under the ring lock. */
    void postReleasedSyncs() {
        if (releasedSyncs.isEmpty()) {
            return;
        }
        while (!releasedSyncs.isEmpty()) {
            local.addLast(releasedSyncs.pollFirst());
        }
        localCount = local.size();
        wakeNeeded = true;
    }

    /** Moves up to {@code max} local completions into {@code out}; returns how many. Under the ring lock. */
    int drainLocal(AioRequest[] out, int at, int max) {
        int n = 0;
        while (n < max && !local.isEmpty()) {
            out[at + n++] = slots.request(local.pollFirst());
        }
        localCount = local.size();
        wakeNeeded = false;
        return n;
    }

    /** True once after something was posted: blocked waiters must be woken to reap it. Under the ring lock. */
    boolean takeWakeNeeded() {
        boolean wake = wakeNeeded;
        wakeNeeded = false;
        return wake;
    }

    @Override
    public String toString() {
        return "local=" + local + " released=" + releasedSyncs;
    }
}
