package dev.keel.aio.uring;

import dev.keel.aio.AbstractAioContext;
import dev.keel.aio.AioCounter;
import dev.keel.aio.AioException;
import dev.keel.aio.AioLimits;
import dev.keel.aio.AioOpcode;
import dev.keel.aio.AioOptions;
import dev.keel.aio.AioRequest;
import dev.keel.aio.CancelResult;
import dev.keel.aio.Errno;
import dev.keel.aio.OpenFlag;
import dev.keel.aio.RequestState;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An AIO context on one io_uring instance: the wiring of its parts, its locks, and the reap,
 * block and wakeup paths.
 *
 * <pre>
 *  submit(batch) ──ringLock──► accept each request ─► IoUringOrdering (per fd: READ now; WRITE,
 *                              APPEND, SYNC into the file's order) ─► endCall: per fd, a linked sync
 *                              ─► W ─► W ─► FSYNC as one IO_LINK chain; else WRITEs unlinked, APPENDs
 *                              as the next chain, a SYNC behind older writes held (SyncBarrier)
 *                              ─► IoUringSubmission: SQEs, store-release SQ tail, ONE io_uring_enter
 *
 *  poll/await ──cqLock──► IoUringCompletions: load-acquire CQ tail, copy CQEs, store-release CQ head
 *                           READ / unlinked SYNC CQE ──────────────────────────────► delivered (no lock)
 *                           WRITE / APPEND / linked SYNC / retry CQE ──ringLock──► IoUringOrdering.finish:
 *                             held syncs and the next append chain released into SQEs, one enter
 *  block ─► io_uring_enter(GETEVENTS | EXT_ARG, min_complete 1, timeout), only when nothing is ready
 *  wakeup ─► NOP SQE with user_data WAKEUP (filtered by reap, at most one in the ring)
 *  cancel ─► IoUringCancel: held request completed here with ECANCELED; in the kernel: ASYNC_CANCEL
 * </pre>
 *
 * <h2>Parts</h2>
 * {@link IoUringOrdering} decides what may go to the kernel now (kernel-free, tested alone);
 * {@link IoUringSlots} maps slots to requests and kernel tags; {@link IoUringSubmission} is the
 * SQ producer; {@link IoUringCompletions} the CQ consumer and the backend's own completions;
 * {@link IoUringCancel} answers cancel; {@link IoUringWait} blocks in the kernel, posts the wakeup
 * NOP and keeps close out while threads use the ring; {@link RegisteredBuffers} registers buffers and picks
 * READ_FIXED / WRITE_FIXED; {@link IoUringRing} is the ring memory and its two system calls
 * ({@link IoUringSyscalls}, a seam for tests).
 *
 * <h2>Ordering (contract clauses 4 and 5)</h2>
 * Appends in submission order, a sync after every earlier write on its file: linked chains,
 * held syncs and re-issued chain members, all decided in {@link IoUringOrdering} (its comment
 * says why, with measurements). ECANCELED (state CANCELED) is delivered only for a request that
 * {@link #cancel} answered CANCELED.
 *
 * <p>poll and await never enter the kernel to look for completions that are already in the CQ
 * ring; reaping enters it only to submit what the completions released (a held sync, the next
 * append chain), since nobody else might.
 *
 * <p>Locks: the base class's submit lock, then {@code ringLock} (SQ producer, ordering, slot
 * generations, local completions). The base's reap lock, then {@code cqLock} (the CQ
 * consumer), then {@code ringLock}. The cancel lock (one kernel cancel at a time), then
 * {@code cqLock}, then {@code ringLock}. Nothing blocks in the kernel while holding
 * {@code ringLock}: submit entries never wait for completions.
 */
final class IoUringContext extends AbstractAioContext
    implements IoUringOrdering.Kernel, IoUringSubmission.Refusals {
    /** DIRECT transfers aligned to a page work on any device with sectors up to 4 KiB. */
    private static final int DIRECT_ALIGNMENT_BYTES = 4096;
    private static final int ECANCELED = Errno.ECANCELED.value();

    private final IoUringRing ring;
    private final ReentrantLock ringLock = new ReentrantLock();
    /** The CQ consumer: a reaper (under the base's reap lock too) or a cancel absorbing completions. */
    private final ReentrantLock cqLock = new ReentrantLock();

    private final RegisteredBuffers buffers;
    private final IoUringSlots slots;
    private final IoUringOrdering ordering;
    private final IoUringSubmission submission;
    private final IoUringCompletions completions;
    private final IoUringCancel cancel;
    private final IoUringWait wait;
    /** Reap scratch (cqLock): the requests of the CQEs being finished. */
    private final AioRequest[] reapedRequests;

    IoUringContext(AioOptions options) throws AioException {
        this(options, 0, IoUringSyscalls.KERNEL);
    }

    /**
     * With {@code cqEntries} other than 0, a CQ of that size (tests use a small one to force
     * overflow); {@code syscalls} is the kernel, or a test's wrapper around it.
     */
    IoUringContext(AioOptions options, int cqEntries, IoUringSyscalls syscalls) throws AioException {
        super(IoUringBackend.NAME, new AioLimits(options.maxInFlight(), DIRECT_ALIGNMENT_BYTES));
        int n = options.maxInFlight();
        int sqEntries = Math.max(4, Math.min(IoUringParamsDescriptor.MAX_SQ_ENTRIES, ceilPowerOfTwo(n)));
        assert sqEntries >= n : "SQ of " + sqEntries + " cannot hold " + n + " requests";
        this.ring = IoUringRing.open(sqEntries, cqEntries == 0 ? 2 * sqEntries : cqEntries, syscalls);
        try {
            this.buffers = RegisteredBuffers.register(ring, options.registeredBuffers());
        } catch (AioException | RuntimeException e) {
            ring.close();
            throw e;
        }
        this.slots = new IoUringSlots(n);
        this.ordering = new IoUringOrdering(n, this);
        this.submission = new IoUringSubmission(ring, slots, buffers, this::countIssued, this);
        AtomicBoolean wakeupNopPending = new AtomicBoolean();
        this.completions = new IoUringCompletions(ring, slots, wakeupNopPending);
        this.wait = new IoUringWait(ring, ringLock, submission, wakeupNopPending, this::isClosed);
        this.cancel = new IoUringCancel(this, ringLock, slots, ordering, submission, completions);
        completions.answersTo(cancel);
        this.reapedRequests = new AioRequest[n];
    }

    private static int ceilPowerOfTwo(int value) {
        return value <= 1 ? 1 : Integer.highestOneBit(value - 1) << 1;
    }

    // ================================================================== submit

    @Override
    protected int submitRequests(AioRequest[] batch, int from, int count) {
        boolean wake;
        ringLock.lock();
        try {
            for (int i = from; i < from + count; i++) {
                AioRequest r = batch[i];
                int slot = slotOf(r);
                // The request first, with release: the ordering may issue it at once.
                slots.begin(slot, r);
                boolean direct = r.opcode() == AioOpcode.SYNC && r.file().flags().contains(OpenFlag.DIRECT);
                ordering.accept(slot, r.opcode(), fdOf(r), direct);
            }
            ordering.endCall();
            submission.flush();
            wake = completions.takeWakeNeeded();
        } finally {
            ringLock.unlock();
        }
        if (wake) {
            interruptBlock();
        }
        return count;
    }

    /** The ordering issues a slot: its SQE. Under ringLock. */
    @Override
    public void issue(int slot, boolean linkNext) {
        submission.issue(slot, slots.request(slot), linkNext);
    }

    /** The ordering released a parked linked sync: its result, delivered after the write that released it. */
    @Override
    public void releaseParked(int slot, int result) {
        setKernelResult(slots.request(slot), result);
        completions.released(slot);
    }

    /** The kernel would not take an SQE (io_uring_enter failed for good): it completes with that errno. */
    @Override
    public void refused(long userData, int result) {
        if (userData == IoUringSlots.WAKEUP_USER_DATA) {
            wait.wakeupRefused();
        } else if (IoUringSlots.isCancelTag(userData)) {
            cancel.recordAnswer(userData, result);
        } else {
            finishAndPost(IoUringSlots.slotOf(userData), result);
        }
    }

    // ================================================================== reap

    @Override
    protected int reapRequests(AioRequest[] out, int off, int max) throws AioException {
        if (!enterRing()) {
            return 0;
        }
        cqLock.lock();
        try {
            int n = 0;
            while (n < max) {
                // Local completions first: a sync released by a canceled held append is issued
                // after the append was posted here, so the append is delivered before the sync.
                if (completions.hasLocal()) {
                    n += drainLocal(out, off + n, max - n);
                    if (n == max) {
                        break;
                    }
                }
                int k = completions.consume(max - n);
                if (k == 0) {
                    if (completions.flushOverflow()) {
                        continue;
                    }
                    break;
                }
                n += finishReaped(out, off + n, k);
            }
            return n;
        } finally {
            cqLock.unlock();
            exitRing();
        }
    }

    private int drainLocal(AioRequest[] out, int at, int max) {
        ringLock.lock();
        try {
            return completions.drainLocal(out, at, max);
        } finally {
            ringLock.unlock();
        }
    }

    /**
     * Delivers the k consumed completions into out. Reads and unlinked syncs finish without a
     * lock; writes, appends, linked syncs and anything to retry go through the ordering under
     * ringLock, where released syncs and chains are issued with one kernel entry. Returns how
     * many were delivered.
     */
    private int finishReaped(AioRequest[] out, int at, int k) {
        long[] userData = completions.userData;
        int[] results = completions.results;
        boolean needLock = false;
        for (int i = 0; i < k; i++) {
            int slot = IoUringSlots.slotOf(userData[i]);
            reapedRequests[i] = slots.request(slot);
            needLock |= ordering.needsOrdering(slot, results[i]);
        }
        int delivered = 0;
        if (!needLock) {
            for (int i = 0; i < k; i++) {
                setKernelResult(reapedRequests[i], results[i]);
                out[at + delivered++] = reapedRequests[i];
                reapedRequests[i] = null;
            }
            return delivered;
        }
        ringLock.lock();
        try {
            for (int i = 0; i < k; i++) {
                if (finishKernel(IoUringSlots.slotOf(userData[i]), results[i])) {
                    out[at + delivered++] = reapedRequests[i];
                }
                reapedRequests[i] = null;
            }
            completions.postReleasedSyncs();
            submission.flush();
        } finally {
            ringLock.unlock();
        }
        return delivered;
    }

    /**
     * Consumes every CQE in the ring (and the overflow list) now, posting the finished requests to
     * the local completions for the next reap. For cancel, which needs its answer even when no
     * thread is reaping, without letting unconsumed CQEs pile up.
     */
    void absorbCompletions() throws AioException {
        boolean wake;
        cqLock.lock();
        try {
            while (true) {
                int k = completions.consume(Integer.MAX_VALUE);
                if (k == 0) {
                    if (completions.flushOverflow()) {
                        continue;
                    }
                    break;
                }
                ringLock.lock();
                try {
                    for (int i = 0; i < k; i++) {
                        finishAndPost(IoUringSlots.slotOf(completions.userData[i]), completions.results[i]);
                    }
                    submission.flush();
                } finally {
                    ringLock.unlock();
                }
            }
        } finally {
            cqLock.unlock();
        }
        ringLock.lock();
        try {
            wake = completions.takeWakeNeeded();
        } finally {
            ringLock.unlock();
        }
        if (wake) {
            interruptBlock();
        }
    }

    /**
     * Applies one kernel result: true when it is final (set on the request, ready to deliver),
     * false when the request went back to the kernel, waits, or waits for a cancel's answer.
     * Under ringLock.
     */
    private boolean finishKernel(int slot, int res) {
        if (res == -ECANCELED && cancel.parkIfTarget(slot)) {
            // Canceled while our own ASYNC_CANCEL for it is unanswered: its answer decides.
            ordering.markReaped(slot);
            return false;
        }
        if (!ordering.finish(slot, res)) {
            return false;
        }
        setKernelResult(slots.request(slot), res);
        return true;
    }

    /** {@link #finishKernel}, and a final result goes to the local completions. Under ringLock. */
    void finishAndPost(int slot, int res) {
        if (finishKernel(slot, res)) {
            completions.postLocal(slot);
        }
    }

    /** A request the kernel never had completes here with {@code res} (a held one canceled). Under ringLock. */
    void completeHere(int slot, int res) {
        setKernelResult(slots.request(slot), res);
        completions.postLocal(slot);
        submission.flush();
    }

    /** For this package's parts: the base class's view of whether a result is set. */
    static boolean resultSet(AioRequest r) {
        return isKernelDone(r);
    }

    // ================================================================== block and wakeup

    @Override
    protected void block(int wanted, long timeoutNs) throws AioException {
        if (!enterRing()) {
            return;
        }
        try {
            if (completions.anyReady()) {
                return;
            }
            // min_complete is 1, not wanted: a single CQE (the wakeup NOP) must wake every
            // waiter, and a held sync only reaches the kernel after a reap.
            awaitCompletion(timeoutNs);
        } finally {
            exitRing();
        }
    }

    /** The blocking io_uring_enter ({@link IoUringWait#awaitCompletion}); cancel waits for its answer with it. */
    void awaitCompletion(long timeoutNs) throws AioException {
        wait.awaitCompletion(timeoutNs);
    }

    @Override
    protected void interruptBlock() {
        if (!enterRing()) {
            return;
        }
        try {
            wait.postWakeup();
        } finally {
            exitRing();
        }
    }

    /** For this package's parts: wakes every blocked waiter to reap what was posted. */
    void wakeWaiters() {
        interruptBlock();
    }

    // ================================================================== cancel and lifecycle

    @Override
    protected CancelResult cancelRequest(AioRequest r) throws AioException {
        if (!enterRing()) {
            return CancelResult.ALL_DONE;
        }
        try {
            return cancel.cancel(r, slotOf(r));
        } finally {
            exitRing();
        }
    }

    private boolean enterRing() {
        return wait.enter();
    }

    private void exitRing() {
        wait.exit();
    }

    @Override
    protected void closeBackend() throws AioException {
        // The base class marked the context closed: no thread starts using the ring any more.
        // Wake the ones inside (a waiter in io_uring_enter) and let them leave before unmapping.
        wait.awaitUsersGone();
        try {
            buffers.unregister(ring);
        } finally {
            ring.close();
        }
    }

    // ================================================================== for tests

    /** io_uring_enter calls made so far, to submit or to wait. */
    long enterCalls() {
        return ring.enterCalls();
    }

    /** The ordering core, for its counters (chains, re-issues, linked, held and parked syncs). */
    IoUringOrdering ordering() {
        return ordering;
    }

    /** Requests held back in user space (appends behind a chain, syncs behind writes). */
    int heldRequests() {
        ringLock.lock();
        try {
            return ordering.heldRequests();
        } finally {
            ringLock.unlock();
        }
    }

    /** The backend's state, for a test that failed: file orders and every request not finished. */
    String describe() {
        ringLock.lock();
        try {
            StringBuilder sb = new StringBuilder("IoUringContext inFlight=").append(inFlight())
                .append(' ').append(completions).append(' ').append(cancel)
                .append(" nopPending=").append(wait.wakeupNopPending())
                .append(" readyCqes=").append(readyCompletions()).append(" sqUnsubmitted=")
                .append(submission.unsubmitted());
            ordering.describeFiles(sb);
            for (int slot = 0; slot < slots.size(); slot++) {
                AioRequest r = slots.request(slot);
                if (r != null && r.state() == RequestState.SUBMITTED && !isKernelDone(r)) {
                    sb.append("\n  slot ").append(slot);
                    ordering.describeSlot(slot, sb);
                    sb.append(' ').append(r);
                }
            }
            return sb.toString();
        } finally {
            ringLock.unlock();
        }
    }

    /** CQEs waiting in the ring, unconsumed. */
    int readyCompletions() {
        return ring.cqTailAcquire() - ring.cqHeadAcquire();
    }

    /** True while completions wait in the kernel's overflow list (IORING_SQ_CQ_OVERFLOW). */
    boolean overflowFlagged() {
        return completions.overflowFlagged();
    }

    boolean wakeupNopPending() {
        return wait.wakeupNopPending();
    }

    /** True when CQEs wait in the ring, unconsumed. */
    boolean completionsReady() {
        return ring.completionsReady();
    }

    int sqEntries() {
        return ring.sqEntries();
    }

    int cqEntries() {
        return ring.cqEntries();
    }
}
