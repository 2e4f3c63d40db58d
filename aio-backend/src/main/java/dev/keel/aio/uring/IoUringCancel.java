package dev.keel.aio.uring;

import dev.keel.aio.AioException;
import dev.keel.aio.AioRequest;
import dev.keel.aio.CancelResult;
import dev.keel.aio.Errno;

import java.util.concurrent.locks.ReentrantLock;

/**
 * aio_cancel on io_uring, one cancel at a time (its own lock, taken before the cq and ring locks).
 *
 * <pre>
 *   held in user space (IoUringOrdering PHASE_HELD) ─► taken out of its file's order,
 *        completed here with ECANCELED ─────────────────────────────────────────────► CANCELED
 *   in the kernel (PHASE_ISSUED) ─► ASYNC_CANCEL on its user_data, tag = bit 62 | sequence
 *        ─► wait for the tag's CQE, consuming the ring meanwhile (no reaper needed)
 *             0 ─► CANCELED;  -ENOENT and already done ─► ALL_DONE;
 *             -EALREADY (running), -ENOENT (a chain member not started) ─► NOT_CANCELED
 *   reaped and going back to the kernel (a broken chain's member) ─► NOT_CANCELED: it will run
 * </pre>
 *
 * <p>The target's own ECANCELED may come back before the answer: it is parked
 * ({@link #parkIfTarget}) and settled by the answer, so an ECANCELED is delivered only for a
 * request this class answered CANCELED; any other ECANCELED is a broken chain's, and the
 * request runs again.
 */
final class IoUringCancel {
    /** cancel waits for its answer in slices this long, re-checking the CQ in between. */
    private static final long WAIT_SLICE_NS = 1_000_000L;
    /** The answer used when waiting for the kernel's failed: the request is treated as not canceled. */
    private static final int NO_ANSWER = Integer.MIN_VALUE;
    private static final int ENOENT = Errno.ENOENT.value();
    private static final int ECANCELED = Errno.ECANCELED.value();

    private final IoUringContext context;
    private final ReentrantLock ringLock;
    private final IoUringSlots slots;
    private final IoUringOrdering ordering;
    private final IoUringSubmission submission;
    private final IoUringCompletions completions;
    private final ReentrantLock cancelLock = new ReentrantLock();

    // cancelLock, plus the ring lock for the target fields.
    private long sequence;
    private volatile long answerTag;
    private volatile int answerResult;
    private int targetSlot = -1;
    private boolean targetParked;

    IoUringCancel(IoUringContext context, ReentrantLock ringLock, IoUringSlots slots, IoUringOrdering ordering,
                  IoUringSubmission submission, IoUringCompletions completions) {
        this.context = context;
        this.ringLock = ringLock;
        this.slots = slots;
        this.ordering = ordering;
        this.submission = submission;
        this.completions = completions;
    }

    CancelResult cancel(AioRequest r, int slot) throws AioException {
        cancelLock.lock();
        try {
            return cancelOne(r, slot);
        } finally {
            cancelLock.unlock();
        }
    }

    private CancelResult cancelOne(AioRequest r, int slot) throws AioException {
        long tag;
        boolean wake;
        ringLock.lock();
        try {
            if (slot < 0 || slots.request(slot) != r || IoUringContext.resultSet(r)) {
                return CancelResult.ALL_DONE;
            }
            byte phase = ordering.phase(slot);
            if (phase != IoUringOrdering.PHASE_HELD && phase != IoUringOrdering.PHASE_ISSUED) {
                return CancelResult.NOT_CANCELED;   // reaped and going back to the kernel: it will run
            }
            if (phase == IoUringOrdering.PHASE_HELD) {
                ordering.cancelHeld(slot);
                context.completeHere(slot, -ECANCELED);
                wake = completions.takeWakeNeeded();
                tag = 0;
            } else {
                wake = false;
                tag = IoUringSlots.cancelTag(++sequence);
                targetSlot = slot;
                submission.writeCancel(slots.userData(slot), tag);
                submission.flush();
            }
        } finally {
            ringLock.unlock();
        }
        if (tag == 0) {
            if (wake) {
                context.wakeWaiters();
            }
            return CancelResult.CANCELED;
        }
        int answer;
        try {
            answer = awaitAnswer(tag);
        } catch (AioException | RuntimeException e) {
            settle(r, slot, NO_ANSWER);
            throw e;
        }
        return settle(r, slot, answer);
    }

    /** Maps the kernel's answer to aio_cancel's, and releases a completion parked while waiting for it. */
    private CancelResult settle(AioRequest r, int slot, int answer) {
        CancelResult result;
        boolean wake;
        ringLock.lock();
        try {
            if (answer == 0) {
                result = CancelResult.CANCELED;
            } else if (answer == -ENOENT && IoUringContext.resultSet(r)) {
                result = CancelResult.ALL_DONE;
            } else {
                result = CancelResult.NOT_CANCELED;   // EALREADY: running; ENOENT: a chain member not started
            }
            ordering.setUserCanceled(slot, result == CancelResult.CANCELED);
            targetSlot = -1;
            if (targetParked) {
                targetParked = false;
                context.finishAndPost(slot, -ECANCELED);
                submission.flush();
            }
            wake = completions.takeWakeNeeded();
        } finally {
            ringLock.unlock();
        }
        if (wake) {
            context.wakeWaiters();
        }
        return result;
    }

    /**
     * Waits for the ASYNC_CANCEL's own CQE. It is usually posted during the submitting entry;
     * this thread consumes the ring itself rather than count on a reaper, so the answer (and the
     * target's completion, if it came first: ALL_DONE) is known even in a single-threaded caller.
     */
    private int awaitAnswer(long tag) throws AioException {
        while (true) {
            if (answerTag == tag) {
                return answerResult;
            }
            context.absorbCompletions();
            if (answerTag == tag) {
                return answerResult;
            }
            context.awaitCompletion(WAIT_SLICE_NS);
        }
    }

    /** An ASYNC_CANCEL's CQE (or its refusal by the kernel). */
    void recordAnswer(long tag, int res) {
        answerResult = res;
        answerTag = tag;
    }

    /**
     * The request in {@code slot} came back ECANCELED: if our own ASYNC_CANCEL for it is still
     * unanswered, the answer decides, so it is parked (true). Under the ring lock.
     */
    boolean parkIfTarget(int slot) {
        if (slot != targetSlot) {
            return false;
        }
        targetParked = true;
        return true;
    }

    @Override
    public String toString() {
        return "cancelTargetSlot=" + targetSlot + " parked=" + targetParked;
    }
}
