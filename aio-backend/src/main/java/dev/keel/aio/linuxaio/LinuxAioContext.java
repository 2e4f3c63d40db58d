package dev.keel.aio.linuxaio;

import dev.keel.aio.AbstractAioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioLimits;
import dev.keel.aio.AioOptions;
import dev.keel.aio.AioRequest;
import dev.keel.aio.CancelResult;
import dev.keel.aio.Errno;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

import static dev.keel.aio.linuxaio.AioRingDescriptor.IO_EVENT_BYTES;

/**
 * A Linux native AIO context: the wiring of its parts, its issue lock, and the submit, reap,
 * cancel and close paths.
 *
 * <pre>
 *  submit ─► LinuxAioOrdering.accept, per fd ─┬─ READ, WRITE ────────────────────────────────┐
 *                                             ├─ APPEND: an APPEND in the kernel already? no ─┤
 *                                             │            └ yes ─► held (FdOrder.heldAppends)│
 *                                             └─ SYNC: earlier writes still pending?      no ─┤
 *                                                          └ yes ─► held (FdOrder.heldSyncs)  ▼
 *                                             LinuxAioSubmission: fill iocb[slot] ─► io_submit (one call per batch)
 *                                                                                             │ kernel: event into
 *                                                                                             │ ring, eventfd += 1
 *  await/poll ◄─ reap: posted first, then LinuxAioCompletions: ring head != tail? ─► io_getevents(min 0, timeout 0)
 *                   └─ a completed write releases the next held APPEND and each held SYNC
 *                      whose earlier writes are all complete ─► io_submit, from the reap path
 *  block ─► EventFdWait: one leader in ppoll on the eventfd, the others on a condition
 *  cancel ─► held: completed here with ECANCELED; in the kernel: io_cancel (answers EINVAL: NOT_CANCELED)
 * </pre>
 *
 * <h2>Parts</h2>
 * {@link LinuxAioOrdering} decides what may go to the kernel now (the contract's clauses 4 and 5,
 * kernel-free, tested alone; its comment says why it is needed); {@link LinuxAioSubmission} fills
 * iocbs and calls io_submit; {@link LinuxAioCompletions} is the kernel context, its ring and
 * io_getevents; {@link EventFdWait} is blocking and wakeup. {@link AioSyscalls} is the seam where
 * tests script the kernel ({@code ScriptedAioSyscalls}, {@code ModelRun}).
 *
 * <h2>Submission</h2>
 * A batch is one {@code io_submit} unless the kernel refuses an iocb: then the ones it took
 * stay in, the refused one completes with its errno through {@link #reapRequests} (posted by
 * the context), and the rest go in with another call. EAGAIN (no kernel room) on the caller's
 * own batch instead returns the accepted prefix, as the contract asks, or throws when none of
 * the context's requests is in flight to free room. The context asks io_setup for
 * {@code maxInFlight} events, so EAGAIN means the kernel is short of memory. A held request goes
 * to the kernel from whichever thread reaps the completion that frees it, under the issue lock,
 * batched with the others it frees into one {@code io_submit}.
 *
 * <h2>Locks and memory</h2>
 * The base class's submit or reap lock, or the cancel path, then {@code issueLock} (the ordering,
 * the issue list, the slot table, the posted queue), then the wait's leaf lock. Each part keeps
 * its native memory in one direct buffer sized from {@code maxInFlight}; per-slot bookkeeping is
 * in primitive arrays, so nothing is allocated per request. The buffers are never freed by hand
 * (the garbage collector frees them with the context), so no late caller can touch freed memory;
 * the kernel's ring, which {@code io_destroy} unmaps, is read only under
 * {@link LinuxAioCompletions}' guard.
 */
final class LinuxAioContext extends AbstractAioContext {
    /** DIRECT transfers align to the device's logical block; a page covers every device. */
    private static final int DIRECT_ALIGNMENT_BYTES = 4096;
    private static final int EAGAIN = Errno.EAGAIN.value();
    private static final int ECANCELED = Errno.ECANCELED.value();

    private final AioSyscalls sys;
    private final EventFdWait wait;
    private final LinuxAioCompletions completions;
    /** The io_event io_cancel may fill; only the canceller (under issueLock) uses it. Never freed by hand. */
    private final ByteBuffer cancelEvent = BufferUtil.allocateDirectAligned(IO_EVENT_BYTES, Long.BYTES);
    private final long cancelEventAddress = new UnsafeBuffer(cancelEvent).addressOffset();

    /** Guards everything from here to {@code postedSinceWake}. Taken inside submit and reap locks. */
    private final ReentrantLock issueLock = new ReentrantLock();
    private final AioRequest[] requestBySlot;
    private final LinuxAioOrdering ordering;
    private final LinuxAioSubmission submission;
    /** Finished by the context itself (refused by io_submit, canceled while held). */
    private final ArrayDeque<AioRequest> posted;
    private volatile int postedCount;
    private boolean postedSinceWake;
    /** Made once: a method reference made per block would allocate on the hot path. */
    private final BooleanSupplier completionsVisible = this::completionsVisible;

    LinuxAioContext(AioOptions options, AioSyscalls sys) throws AioException {
        super(LinuxAioBackend.NAME, new AioLimits(options.maxInFlight(), DIRECT_ALIGNMENT_BYTES));
        this.sys = sys;
        int n = options.maxInFlight();
        this.wait = EventFdWait.open();
        try {
            this.completions = LinuxAioCompletions.setUp(sys, n);
        } catch (AioException | RuntimeException e) {
            wait.closeEventFd();
            throw e;
        }
        this.requestBySlot = new AioRequest[n];
        this.ordering = new LinuxAioOrdering(n, this::queueForIssue);
        this.submission = new LinuxAioSubmission(n, sys, completions.contextId(), wait.eventFd(), this::countIssued,
            this::refused);
        this.posted = new ArrayDeque<>(n);
    }

    // ------------------------------------------------------------------ submission

    @Override
    protected int submitRequests(AioRequest[] batch, int from, int count) throws AioException {
        int accepted;
        boolean wake;
        issueLock.lock();
        try {
            assert submission.nothingQueued() : "issue list left over";
            for (int i = from; i < from + count; i++) {
                AioRequest r = batch[i];
                int slot = slotOf(r);
                requestBySlot[slot] = r;
                ordering.accept(slot, r.opcode(), r.syncMode(), fdOf(r));
            }
            int stoppedAtSlot = submission.issueQueued(true);
            accepted = stoppedAtSlot < 0 ? count : unacceptFrom(batch, from, count, stoppedAtSlot);
            if (accepted == 0 && submission.inKernel() == 0 && posted.isEmpty()) {
                // Nothing of ours will complete and free kernel room (EAGAIN is then the kernel
                // short of memory): a caller retrying after a reap would spin, so fail loudly.
                throw new AioException("io_submit", null, EAGAIN,
                    "the kernel has no room for AIO requests and none of this context's is in flight");
            }
            wake = takeWake();
        } finally {
            issueLock.unlock();
        }
        if (wake) {
            interruptBlock();
        }
        return accepted;
    }

    /** The ordering lets {@code slot} go to the kernel: its iocb joins the next io_submit. Under issueLock. */
    private void queueForIssue(int slot) {
        submission.queue(slot, requestBySlot[slot], ordering.kind(slot), ordering.fd(slot));
    }

    /** io_submit refused the iocb in {@code slot}: it completes with the errno, and frees what waited on it. */
    private void refused(int slot, int result) {
        complete(slot, result);
        ordering.leftKernel(slot);
    }

    /** EAGAIN stopped the batch at {@code stoppedAtSlot}: gives that request and all after it back. */
    private int unacceptFrom(AioRequest[] batch, int from, int count, int stoppedAtSlot) {
        int first = from;
        while (slotOf(batch[first]) != stoppedAtSlot) {
            first++;
        }
        // Newest first, so each held request is the tail of its queue and no sync still counts
        // a write that is being removed.
        for (int i = from + count - 1; i >= first; i--) {
            int slot = slotOf(batch[i]);
            requestBySlot[slot] = null;
            ordering.unaccept(slot);
        }
        return first - from;
    }

    // ------------------------------------------------------------------ completion

    /** Finishes a request the kernel never ran: delivered by the next reap. Under issueLock. */
    private void complete(int slot, int result) {
        AioRequest r = requestBySlot[slot];
        requestBySlot[slot] = null;
        setKernelResult(r, result);
        posted.addLast(r);
        postedCount = posted.size();
        postedSinceWake = true;
    }

    private boolean takeWake() {
        boolean wake = postedSinceWake;
        postedSinceWake = false;
        return wake;
    }

    @Override
    protected int reapRequests(AioRequest[] out, int off, int max) throws AioException {
        int n = postedCount > 0 ? takePosted(out, off, max) : 0;
        if (n < max) {
            n += reapKernel(out, off + n, max - n);
        }
        return n;
    }

    private int takePosted(AioRequest[] out, int off, int max) {
        issueLock.lock();
        try {
            int n = 0;
            while (n < max && !posted.isEmpty()) {
                out[off + n++] = posted.pollFirst();
            }
            postedCount = posted.size();
            return n;
        } finally {
            issueLock.unlock();
        }
    }

    /**
     * Delivers what io_getevents hands back; each completed write may release held requests,
     * which go to the kernel in one io_submit before the lock is let go. Under the reap lock.
     */
    private int reapKernel(AioRequest[] out, int off, int max) throws AioException {
        int got = completions.getEvents(max);
        if (got == 0) {
            return 0;
        }
        boolean wake;
        issueLock.lock();
        try {
            for (int i = 0; i < got; i++) {
                int slot = completions.slot(i);
                AioRequest r = requestBySlot[slot];
                requestBySlot[slot] = null;
                setKernelResult(r, completions.result(i));
                out[off + i] = r;
                ordering.leftKernel(slot);
            }
            submission.leftKernel(got);
            submission.issueQueued(false);
            wake = takeWake();
        } finally {
            issueLock.unlock();
        }
        if (wake) {
            interruptBlock();
        }
        return got;
    }

    // ------------------------------------------------------------------ cancel

    @Override
    protected CancelResult cancelRequest(AioRequest request) {
        CancelResult answer;
        boolean wake;
        issueLock.lock();
        try {
            int slot = slotOf(request);
            if (slot < 0 || requestBySlot[slot] != request) {
                answer = CancelResult.ALL_DONE;
            } else if (ordering.isHeld(slot)) {
                // A held request never reached the kernel: it is canceled here, and what waited on it moves on.
                ordering.cancelHeld(slot);
                complete(slot, -ECANCELED);
                submission.issueQueued(false);
                answer = CancelResult.CANCELED;
            } else {
                answer = askKernelToCancel(slot);
            }
            wake = takeWake();
        } finally {
            issueLock.unlock();
        }
        if (wake) {
            interruptBlock();
        }
        return answer;
    }

    /**
     * The kernel cancels only iocbs with a cancel method (poll, USB gadget); for the reads,
     * writes and syncs this backend issues it answers EINVAL, running or finished, so the
     * request completes as usual. Should a kernel ever cancel one, its completion still comes
     * through the ring (Linux 5.0+) with the kernel's result, which NOT_CANCELED also covers.
     */
    private CancelResult askKernelToCancel(int slot) {
        long r = sys.ioCancel(completions.contextId(), submission.iocbAddress(slot), cancelEventAddress);
        assert r < 0 : "io_cancel took a file iocb: " + r;
        return CancelResult.NOT_CANCELED;
    }

    // ------------------------------------------------------------------ blocking

    @Override
    protected void block(int wanted, long timeoutNs) throws AioException {
        wait.block(timeoutNs, completionsVisible);
    }

    private boolean completionsVisible() {
        return postedCount > 0 || completions.eventsWaitingOrClosed();
    }

    @Override
    protected void interruptBlock() {
        wait.wakeAll();
    }

    // ------------------------------------------------------------------ close

    /**
     * Nothing is in flight (the base class checked). Waiters are sent back first so no thread
     * sleeps on a closed eventfd; then the ring is unmapped, then the eventfd closed.
     */
    @Override
    protected void closeBackend() throws AioException {
        wait.stopWaiters();
        try {
            completions.destroy();
        } finally {
            wait.closeEventFd();
        }
    }

    /** For tests: how many descriptors have ordering state (0 when idle: the pool took them back). */
    int orderedDescriptors() {
        issueLock.lock();
        try {
            return ordering.orderedDescriptors();
        } finally {
            issueLock.unlock();
        }
    }
}
