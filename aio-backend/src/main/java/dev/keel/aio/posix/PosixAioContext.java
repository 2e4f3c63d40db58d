package dev.keel.aio.posix;

import dev.keel.aio.AbstractAioContext;
import dev.keel.aio.AioCounter;
import dev.keel.aio.AioException;
import dev.keel.aio.AioLimits;
import dev.keel.aio.AioOpcode;
import dev.keel.aio.AioOptions;
import dev.keel.aio.AioRequest;
import dev.keel.aio.CancelResult;
import dev.keel.aio.Errno;
import dev.keel.aio.SyncMode;
import dev.keel.aio.internal.LeaderFollowerWait;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

import static dev.keel.aio.posix.AiocbDescriptor.AIOCB_BYTES;
import static dev.keel.aio.posix.AiocbDescriptor.AIO_ALLDONE;
import static dev.keel.aio.posix.AiocbDescriptor.AIO_CANCELED;
import static dev.keel.aio.posix.AiocbDescriptor.AIO_NOTCANCELED;
import static dev.keel.aio.posix.AiocbDescriptor.BUF_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.EINPROGRESS;
import static dev.keel.aio.posix.AiocbDescriptor.ERROR_CODE_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.FILDES_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.LIO_OPCODE_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.LIO_READ;
import static dev.keel.aio.posix.AiocbDescriptor.LIO_WRITE;
import static dev.keel.aio.posix.AiocbDescriptor.NBYTES_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.OFFSET_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.POINTER_BYTES;
import static dev.keel.aio.posix.AiocbDescriptor.REQPRIO_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.RETURN_VALUE_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.SIGEV_NONE;
import static dev.keel.aio.posix.AiocbDescriptor.SIGEV_NOTIFY_OFFSET;

/**
 * POSIX AIO through glibc: one raw {@code struct aiocb} per slot, batches handed over with
 * {@code lio_listio(LIO_NOWAIT)}, syncs with {@code aio_fsync}, completions found by polling
 * {@code aio_error}, waits in {@code aio_suspend}.
 *
 * <pre>
 *   submit [W W S W R] ─► lio_listio([W W]) ─► aio_fsync(S) ─► lio_listio([W R]) ─► glibc queues per fd
 *        │                                                                            │ (one worker per
 *        └─► inFlight[] += slots, in the order glibc queued them                      │  fd, FIFO)
 *                                                                                     ▼
 *   reap: walk inFlight[] oldest first; per fd, aio_error until the first EINPROGRESS ◄─ __error_code
 *   block (one leader): aio_suspend([wake read, oldest unreaped aiocb of each fd]) ◄── WakePipe.signal()
 * </pre>
 *
 * <h2>Ordering and the barrier</h2>
 * glibc keeps one queue per file descriptor and runs it one request at a time in submission
 * order, {@code aio_fsync} included (rt/aio_misc.c, {@code __aio_enqueue_request}: a request
 * for a busy descriptor is linked behind the running one; the next is started only after the
 * previous one's result is stored). So appends land in order and a sync runs only after every
 * earlier request on its descriptor has finished: the barrier costs nothing extra here. Two
 * things keep that true: every request is queued with {@code aio_reqprio} 0 (glibc sorts a
 * descriptor's queue by priority, and would let a higher-priority request jump ahead), and
 * submission order is kept by holding {@link #enqueueLock} from the first glibc call of a batch
 * to its last. The price is glibc's: one request in flight per descriptor.
 *
 * <p>The in-flight list is kept in the order glibc queued the requests. Because a descriptor's
 * requests finish in that order, a reap walks the list oldest first and, once a request of a
 * descriptor shows EINPROGRESS, skips the descriptor's later ones: the scan costs one aio_error
 * per completion plus one per busy descriptor, and completions are delivered in submission
 * order per descriptor (a sync never before the writes ahead of it, even with a small
 * {@code max}). For the same reason {@code block} lists only each descriptor's oldest unreaped
 * aiocb: nothing behind it can finish first.
 *
 * <h2>Partial failure</h2>
 * Each aiocb's {@code __error_code} is set to {@link #NOT_QUEUED} before lio_listio; glibc
 * overwrites it when it queues the request. After a failed lio_listio the ones still holding
 * the marker are exactly those glibc did not take: they complete with lio_listio's errno through
 * {@link #rejectedErrno}. A failed aio_fsync (EBADF for a closed descriptor) completes the same
 * way.
 *
 * <h2>Cancel, and the glibc bug it steps around</h2>
 * glibc 2.36's aio_cancel on the <em>head</em> of a descriptor's queue, while that head waits
 * for a worker, unlinks it and marks its successor runnable without putting it on the run list:
 * every later request on the descriptor then stays EINPROGRESS forever (reproduced here 20
 * times out of 20 with a C program). So a request with no queued predecessor on its descriptor
 * is answered NOT_CANCELED without asking glibc: it runs or is about to. If the predecessors
 * finish between that check and aio_cancel, the successors may be stranded, so after a
 * CANCELED answer the check is repeated, and if no predecessor is left the successors are
 * taken out with the descriptor-wide aio_cancel (which has no such bug) and queued again in
 * their order. See {@link #cancelRequest}.
 *
 * <h2>Waiting, and the glibc hazard it steps around</h2>
 * One thread at a time (the leader) calls aio_suspend with the wake-up read and each
 * descriptor's oldest unreaped aiocb; other waiters sleep on a condition until the leader
 * leaves. glibc's aio_suspend, after waking, walks the waiter list of each listed request that
 * still reads EINPROGRESS; if the aiocb was reaped and queued again meanwhile, that request
 * element is freed or reused and the walk follows dangling pointers (the JVM died this way in
 * the suite's concurrent test). So nothing a running aio_suspend may list is queued again until
 * it returns: slots reaped after its snapshot (tracked by list epochs), successors re-queued by
 * cancel, and the wake-up read, which only the leader re-arms, outside aio_suspend. A single
 * leader keeps that bookkeeping to one snapshot. See {@link #awaitSuspendEndIfListed}.
 *
 * <p>No allocation per request: aiocbs, the lio_listio list, the suspend list and per-slot
 * state are sized once from maxInFlight.
 */
final class PosixAioContext extends AbstractAioContext {
    /** What the kernel enforces for O_DIRECT on these disks (logical block size). */
    private static final int DIRECT_ALIGNMENT_BYTES = 512;
    /** lio_listio builds an array of nent pointers on the caller's stack: keep it small. */
    static final int LIO_CHUNK = 1024;
    /** aio_suspend builds about 48 bytes per entry on the caller's stack: keep it small. */
    static final int SUSPEND_LIST_MAX = 1024;
    /** When more descriptors are busy than a suspend list holds, look again this often. */
    private static final long TRUNCATED_LIST_WAIT_NS = 1_000_000L;
    /** How often a thread waiting for an aio_suspend to return signals the pipe again. */
    private static final long SUSPEND_END_RECHECK_MS = 10;
    /** Written into __error_code before lio_listio; glibc never writes a negative value there. */
    static final int NOT_QUEUED = -1;
    private static final int NOT_DONE = Integer.MIN_VALUE;
    private static final int ECANCELED = Errno.ECANCELED.value();

    private final int maxInFlight;
    private final QueueCalls queueCalls;
    /** One aiocb per slot; held so glibc's writes land in live memory. */
    private final ByteBuffer aiocbMemory;
    private final UnsafeBuffer aiocbs;
    private final long aiocbBase;
    private final ByteBuffer lioListMemory;
    private final UnsafeBuffer lioList;
    private final WakePipe wake;

    // Per slot, written at submission under enqueueLock, read under listLock.
    private final int[] slotFd;
    /** Non-zero: glibc never took the request; it completes with this errno. */
    private final int[] rejectedErrno;
    /** aio_cancel answered AIO_CANCELED: done with ECANCELED, whatever its descriptor's queue does. */
    private final boolean[] canceled;

    /** Held from the first glibc call of a submission to the last, and by cancel: glibc's order is ours. */
    private final Object enqueueLock = new Object();
    /** Guards {@link #inFlight}, {@link #fdSet} and the per-slot state once submitted. */
    private final Object listLock = new Object();
    private final int[] inFlight;
    private int inFlightCount;
    private final FdSet fdSet;
    private final AioRequest[] requeue;
    private long requeued;

    /** Cancel's descriptor-wide cancel took it out of glibc; it is queued again before anyone looks. */
    private final boolean[] requeuePending;
    /** Per slot: the list epoch at which it was last reaped. */
    private final long[] reapedAtEpoch;
    /** Incremented by every reap that removes requests from the list. */
    private long listEpoch;
    /** True from the leader's snapshot until its aio_suspend returned; written under listLock. */
    private volatile boolean suspending;
    /** The list epoch of that snapshot. */
    private long suspendEpoch;
    /** Incremented when an aio_suspend returns; waiters on listLock watch it. */
    private long suspendGeneration;
    /** The leader's list: only the leader calls aio_suspend. */
    private final SuspendList suspendList;

    /** The leader waits in aio_suspend, the others for it to return; the pipe wakes it, so no kick here. */
    private final LeaderFollowerWait waiters = new LeaderFollowerWait(null);

    PosixAioContext(AioOptions options, QueueCalls queueCalls) throws AioException {
        super(PosixAioBackend.NAME, new AioLimits(options.maxInFlight(), DIRECT_ALIGNMENT_BYTES));
        this.queueCalls = queueCalls;
        this.maxInFlight = options.maxInFlight();
        this.aiocbMemory = BufferUtil.allocateDirectAligned(maxInFlight * AIOCB_BYTES, 64);
        this.aiocbs = new UnsafeBuffer(aiocbMemory);
        this.aiocbs.setMemory(0, maxInFlight * AIOCB_BYTES, (byte) 0);
        this.aiocbBase = aiocbs.addressOffset();
        int lioEntries = Math.min(maxInFlight, LIO_CHUNK);
        this.lioListMemory = BufferUtil.allocateDirectAligned(lioEntries * POINTER_BYTES, 64);
        this.lioList = new UnsafeBuffer(lioListMemory);
        this.slotFd = new int[maxInFlight];
        this.rejectedErrno = new int[maxInFlight];
        this.canceled = new boolean[maxInFlight];
        this.inFlight = new int[maxInFlight];
        this.fdSet = new FdSet(maxInFlight);
        this.requeue = new AioRequest[maxInFlight];
        this.requeuePending = new boolean[maxInFlight];
        this.reapedAtEpoch = new long[maxInFlight];
        this.suspendList = new SuspendList(Math.min(maxInFlight + 1, SUSPEND_LIST_MAX));
        this.wake = WakePipe.open();
    }

    private long aiocbAddress(int slot) {
        return aiocbBase + (long) slot * AIOCB_BYTES;
    }

    // ------------------------------------------------------------------ submit

    @Override
    protected int submitRequests(AioRequest[] batch, int from, int count) {
        boolean leaderMissesThese;
        synchronized (enqueueLock) {
            awaitSuspendEndIfListed(batch, from, count);
            issue(batch, from, count, true);
            synchronized (listLock) {
                for (int i = from; i < from + count; i++) {
                    inFlight[inFlightCount++] = slotOf(batch[i]);
                }
                // A suspend that took its snapshot before this append does not list these
                // aiocbs (nor any refusal recorded above): make it look again. A later one sees them.
                leaderMissesThese = suspending;
            }
        }
        if (leaderMissesThese) {
            wake.signal();
        }
        return count;
    }

    /**
     * Hands {@code batch[from, from + count)} to glibc in order: runs of transfers as one
     * lio_listio each (split at {@link #LIO_CHUNK}), each sync as one aio_fsync. Requests glibc
     * refuses get their errno in {@link #rejectedErrno}. Called under enqueueLock.
     */
    private void issue(AioRequest[] batch, int from, int count, boolean countOperations) {
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
            int slot = slotOf(r);
            boolean read = r.opcode() == AioOpcode.READ;
            // An append is a write at offset 0 on an O_APPEND descriptor: pwrite(2) appends there on Linux.
            long offset = r.opcode() == AioOpcode.APPEND ? 0 : r.offset();
            prepareAiocb(slot, fdOf(r), read ? LIO_READ : LIO_WRITE, r.address(), r.length(), offset);
            lioList.putLong(k * POINTER_BYTES, aiocbAddress(slot));
            if (countOperations) {
                countIssued(read ? AioCounter.READS : AioCounter.WRITES);
            }
        }
        countIssued(AioCounter.SUBMIT_CALLS);
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
            int slot = slotOf(batch[from + k]);
            if (aiocbs.getIntVolatile(slot * AIOCB_BYTES + ERROR_CODE_OFFSET) == NOT_QUEUED) {
                rejectedErrno[slot] = refused;
            }
        }
    }

    private void issueSync(AioRequest r, boolean countOperations) {
        int slot = slotOf(r);
        // aio_fsync writes its own opcode (LIO_DSYNC or LIO_SYNC) into the block.
        prepareAiocb(slot, fdOf(r), LIO_READ, 0, 0, 0);
        boolean data = r.syncMode() == SyncMode.DATA;
        countIssued(AioCounter.SUBMIT_CALLS);
        if (countOperations) {
            countIssued(data ? AioCounter.DATA_SYNCS : AioCounter.FILE_SYNCS);
        }
        int op = data ? AiocbDescriptor.O_DSYNC : AiocbDescriptor.O_SYNC;
        int rc;
        do {
            rc = queueCalls.aioFsync(op, aiocbAddress(slot));
        } while (rc != 0 && GlibcAio.errno() == Errno.EINTR.value());
        if (rc != 0) {
            // EBADF for a closed descriptor, EAGAIN when glibc is out of request memory.
            int errno = GlibcAio.errno();
            rejectedErrno[slot] = errno > 0 ? errno : Errno.EAGAIN.value();
        }
    }

    /** Fills the slot's aiocb; glibc fills its private fields when it queues the request. */
    private void prepareAiocb(int slot, int fd, int lioOpcode, long bufferAddress, long lengthBytes, long offset) {
        int at = slot * AIOCB_BYTES;
        aiocbs.putInt(at + FILDES_OFFSET, fd);
        aiocbs.putInt(at + LIO_OPCODE_OFFSET, lioOpcode);
        // Priority 0 for every request: glibc orders a descriptor's queue by priority first.
        aiocbs.putInt(at + REQPRIO_OFFSET, 0);
        aiocbs.putLong(at + BUF_OFFSET, bufferAddress);
        aiocbs.putLong(at + NBYTES_OFFSET, lengthBytes);
        aiocbs.putInt(at + SIGEV_NOTIFY_OFFSET, SIGEV_NONE);
        aiocbs.putLong(at + OFFSET_OFFSET, offset);
        aiocbs.putLong(at + RETURN_VALUE_OFFSET, 0);
        aiocbs.putIntVolatile(at + ERROR_CODE_OFFSET, NOT_QUEUED);
        slotFd[slot] = fd;
        rejectedErrno[slot] = 0;
        canceled[slot] = false;
    }

    // ------------------------------------------------------------------ reap

    @Override
    protected int reapRequests(AioRequest[] out, int off, int max) {
        synchronized (listLock) {
            fdSet.newPass();
            int n = 0;
            int kept = 0;
            for (int i = 0; i < inFlightCount; i++) {
                int slot = inFlight[i];
                if (n < max) {
                    int result = resultIfDone(slot);
                    if (result != NOT_DONE) {
                        AioRequest r = requestInSlot(slot);
                        setKernelResult(r, result);
                        out[off + n++] = r;
                        continue;
                    }
                }
                inFlight[kept++] = slot;
            }
            inFlightCount = kept;
            if (n > 0) {
                // The slots reaped now may be listed by a suspend that snapshotted before.
                listEpoch++;
                for (int i = off; i < off + n; i++) {
                    reapedAtEpoch[slotOf(out[i])] = listEpoch;
                }
            }
            return n;
        }
    }

    /**
     * The request's result (bytes, or a negative errno) if it is done, else {@link #NOT_DONE}.
     * Uses and updates {@link #fdSet}: descriptors that already showed a queued request in this
     * pass, behind which nothing can be done (except a canceled request). Called under listLock.
     */
    private int resultIfDone(int slot) {
        if (rejectedErrno[slot] != 0) {
            return -rejectedErrno[slot];
        }
        int fd = slotFd[slot];
        if (requeuePending[slot]) {
            // Canceled by the descriptor-wide cancel, about to be queued again: not done.
            fdSet.add(fd);
            return NOT_DONE;
        }
        if (!canceled[slot] && fdSet.contains(fd)) {
            return NOT_DONE;
        }
        long aiocb = aiocbAddress(slot);
        int error = GlibcAio.aio_error(aiocb);
        if (error == EINPROGRESS) {
            fdSet.add(fd);
            return NOT_DONE;
        }
        // aio_error took glibc's lock after the worker stored the result: aio_return sees it,
        // and glibc no longer touches this aiocb, so the slot may be reused.
        long returned = GlibcAio.aio_return(aiocb);
        if (error == 0) {
            return (int) returned;
        }
        return error > 0 ? -error : -Errno.EIO.value();
    }

    // ------------------------------------------------------------------ block and wake-up

    /**
     * One thread at a time (the leader) waits in aio_suspend; the others wait for it to leave,
     * which it does on any listed completion, a wake-up, or its timeout. Why only one: see
     * {@link #awaitSuspendEndIfListed}.
     */
    @Override
    protected void block(int wanted, long timeoutNs) throws AioException {
        if (!waiters.becomeLeader(waiters.epoch(), timeoutNs)) {
            return;
        }
        try {
            lead(timeoutNs);
        } finally {
            waiters.stepDown();
        }
    }

    private void lead(long timeoutNs) throws AioException {
        // Re-arming is safe here: no other thread is in aio_suspend while this one leads.
        if (isClosed() || wake.rearmIfFired()) {
            return;
        }
        int entries = snapshot();
        if (entries == 0) {
            return;
        }
        try {
            long waitNs = entries > suspendList.capacity() ? Math.min(timeoutNs, TRUNCATED_LIST_WAIT_NS) : timeoutNs;
            suspendList.suspend(Math.min(entries, suspendList.capacity()), waitNs);
        } finally {
            synchronized (listLock) {
                suspending = false;
                suspendGeneration++;
                listLock.notifyAll();
            }
        }
        wake.rearmIfFired();
    }

    /**
     * Fills the suspend list with the wake-up read and the oldest unreaped aiocb of each
     * descriptor, and marks the suspend as started at the current list epoch. Returns how many
     * entries it wanted (more than the list holds when truncated), or 0, without marking, when a
     * completion is already known and waiting would be wrong.
     */
    private int snapshot() {
        synchronized (listLock) {
            fdSet.newPass();
            int entries = 0;
            // First: a thread that finds it done stops reading the list there (rt/aio_suspend.c).
            suspendList.put(entries++, wake.aiocbAddress());
            for (int i = 0; i < inFlightCount; i++) {
                int slot = inFlight[i];
                if (rejectedErrno[slot] != 0 || canceled[slot]) {
                    return 0;
                }
                if (!requeuePending[slot] && fdSet.add(slotFd[slot])) {
                    if (entries < suspendList.capacity()) {
                        suspendList.put(entries, aiocbAddress(slot));
                    }
                    entries++;
                }
            }
            suspending = true;
            suspendEpoch = listEpoch;
            return entries;
        }
    }

    /**
     * Waits, if the aio_suspend in progress may list the aiocb of a slot reaped after its
     * snapshot, until that call has returned. glibc's aio_suspend, once woken, re-takes its lock
     * and, for every listed aiocb that reads EINPROGRESS, walks the waiter list of the request
     * element it registered on (rt/aio_suspend.c). If the aiocb was reaped and queued again in
     * between, that element is freed or reused and its list holds dangling pointers into
     * stacks and freed lio_listio wait lists: the JVM dies in aio_suspend (seen here under the
     * suite's concurrent reapers). So an aiocb a running aio_suspend may list is never queued
     * again until that call returns; signalling the wake-up pipe makes it return at once.
     * Called under enqueueLock.
     */
    private void awaitSuspendEndIfListed(AioRequest[] batch, int from, int count) {
        synchronized (listLock) {
            while (suspending) {
                boolean listed = false;
                for (int i = from; i < from + count && !listed; i++) {
                    listed = reapedAtEpoch[slotOf(batch[i])] > suspendEpoch;
                }
                if (!listed) {
                    return;
                }
                awaitSuspendEnd();
            }
        }
    }

    /** Signals the pipe and waits until the aio_suspend in progress returns. Called under listLock. */
    private void awaitSuspendEnd() {
        long generation = suspendGeneration;
        boolean interrupted = false;
        while (suspending && generation == suspendGeneration) {
            wake.signal();
            try {
                listLock.wait(SUSPEND_END_RECHECK_MS);
            } catch (InterruptedException e) {
                // The wait is short and the requests are already reserved: finish it.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    protected void interruptBlock() {
        wake.signal();
    }

    // ------------------------------------------------------------------ cancel

    /**
     * aio_cancel for one request, without ever canceling the head of a descriptor's queue (see
     * the class comment): a request with no queued predecessor is answered NOT_CANCELED. Holds
     * enqueueLock, so no submission interleaves with a re-queue, and listLock, so no reap sees
     * the transient ECANCELED of re-queued requests.
     */
    @Override
    protected CancelResult cancelRequest(AioRequest request) throws AioException {
        CancelResult answer;
        synchronized (enqueueLock) {
            synchronized (listLock) {
                answer = cancelLocked(request);
            }
        }
        // The leader may list only the descriptor's head, which glibc did not notify: let it look again.
        if (answer == CancelResult.CANCELED && suspending) {
            wake.signal();
        }
        return answer;
    }

    private CancelResult cancelLocked(AioRequest request) throws AioException {
        int slot = slotOf(request);
        int position = slot < 0 ? -1 : positionInFlight(slot);
        if (position < 0 || requestInSlot(slot) != request || isKernelDone(request)
            || rejectedErrno[slot] != 0 || canceled[slot]) {
            return CancelResult.ALL_DONE;
        }
        long aiocb = aiocbAddress(slot);
        int fd = slotFd[slot];
        if (GlibcAio.aio_error(aiocb) != EINPROGRESS) {
            return CancelResult.ALL_DONE;
        }
        if (!hasQueuedPredecessor(position, fd)) {
            return CancelResult.NOT_CANCELED;
        }
        int rc = GlibcAio.aio_cancel(fd, aiocb);
        if (rc == AIO_CANCELED) {
            canceled[slot] = true;
            if (!hasQueuedPredecessor(position, fd)) {
                // The predecessors finished meanwhile: this request may have been the head.
                requeueSuccessors(position, fd);
            }
            return CancelResult.CANCELED;
        }
        if (rc == AIO_NOTCANCELED) {
            return CancelResult.NOT_CANCELED;
        }
        if (rc == AIO_ALLDONE) {
            return CancelResult.ALL_DONE;
        }
        int errno = GlibcAio.errno();
        if (errno == Errno.EBADF.value()) {
            // The caller closed the descriptor: the request runs and fails (or already did).
            return CancelResult.NOT_CANCELED;
        }
        if (errno == Errno.EINVAL.value()) {
            // glibc no longer has it: it finished between aio_error and aio_cancel.
            return CancelResult.ALL_DONE;
        }
        throw new AioException("aio_cancel", request.file().path(), errno);
    }

    private int positionInFlight(int slot) {
        for (int i = 0; i < inFlightCount; i++) {
            if (inFlight[i] == slot) {
                return i;
            }
        }
        return -1;
    }

    /** True when a request ahead of {@code position} on {@code fd} is still queued or running in glibc. */
    private boolean hasQueuedPredecessor(int position, int fd) {
        for (int i = 0; i < position; i++) {
            int slot = inFlight[i];
            if (slotFd[slot] == fd && rejectedErrno[slot] == 0 && !canceled[slot]
                && GlibcAio.aio_error(aiocbAddress(slot)) == EINPROGRESS) {
                return true;
            }
        }
        return false;
    }

    /**
     * Takes every request behind {@code position} on {@code fd} out of glibc with the
     * descriptor-wide aio_cancel (which unlinks a whole queue correctly) and queues the ones it
     * canceled again, in their order. A request already running stays (glibc answers
     * NOT_CANCELED for it), so order on the descriptor is unchanged.
     */
    private void requeueSuccessors(int position, int fd) {
        int candidates = 0;
        for (int i = position + 1; i < inFlightCount; i++) {
            int slot = inFlight[i];
            if (slotFd[slot] == fd && rejectedErrno[slot] == 0 && !canceled[slot]
                && GlibcAio.aio_error(aiocbAddress(slot)) == EINPROGRESS) {
                requeue[candidates++] = requestInSlot(slot);
            }
        }
        if (candidates == 0) {
            return;
        }
        GlibcAio.aio_cancel(fd, 0);
        int again = 0;
        for (int k = 0; k < candidates; k++) {
            AioRequest r = requeue[k];
            requeue[k] = null;
            if (GlibcAio.aio_error(aiocbAddress(slotOf(r))) == ECANCELED) {
                requeuePending[slotOf(r)] = true;
                requeue[again++] = r;
            }
        }
        // The running aio_suspend may list the first of them: it must return before they are
        // queued again (see awaitSuspendEndIfListed). Reaps meanwhile skip them (requeuePending).
        if (suspending) {
            awaitSuspendEnd();
        }
        requeued += again;
        issue(requeue, 0, again, false);
        for (int k = 0; k < again; k++) {
            requeuePending[slotOf(requeue[k])] = false;
            requeue[k] = null;
        }
    }

    /** Requests re-queued after a cancel found its predecessors gone (tests read it). */
    long requeuedCount() {
        synchronized (listLock) {
            return requeued;
        }
    }

    // ------------------------------------------------------------------ for tests

    /** aio_error of the request's aiocb, read now: what glibc says, before any delivery. */
    int glibcError(AioRequest request) {
        synchronized (listLock) {
            return GlibcAio.aio_error(aiocbAddress(slotOf(request)));
        }
    }

    /** The aio_lio_opcode glibc wrote when it queued the request (its LIO_DSYNC is 3, LIO_SYNC 4). */
    int queuedOpcode(AioRequest request) {
        synchronized (listLock) {
            return aiocbs.getIntVolatile(slotOf(request) * AIOCB_BYTES + LIO_OPCODE_OFFSET);
        }
    }

    /** Runs cancel's repair on the requests behind {@code request}, as if a cancel had found it the head. */
    void requeueBehind(AioRequest request) {
        synchronized (enqueueLock) {
            synchronized (listLock) {
                requeueSuccessors(positionInFlight(slotOf(request)), slotFd[slotOf(request)]);
            }
        }
    }

    // ------------------------------------------------------------------ close

    @Override
    protected void closeBackend() throws AioException {
        // Nothing is in flight (the base refuses otherwise); only the wake-up read is.
        wake.retire();
    }

    /** The native array of aiocb pointers and the timespec the leader hands to aio_suspend. */
    private static final class SuspendList {
        private final ByteBuffer memory;
        private final UnsafeBuffer buffer;
        private final int capacity;
        private final int timespecOffset;

        SuspendList(int entries) {
            this.capacity = entries;
            this.timespecOffset = entries * POINTER_BYTES;
            this.memory = BufferUtil.allocateDirectAligned(timespecOffset + AiocbDescriptor.TIMESPEC_BYTES, 64);
            this.buffer = new UnsafeBuffer(memory);
        }

        int capacity() {
            return capacity;
        }

        void put(int index, long aiocbAddress) {
            buffer.putLong(index * POINTER_BYTES, aiocbAddress);
        }

        /** One aio_suspend; a timeout, a signal or a completion all just return. */
        void suspend(int entries, long timeoutNs) throws AioException {
            long timespec = 0;
            if (timeoutNs != INFINITE) {
                buffer.putLong(timespecOffset + AiocbDescriptor.TIMESPEC_SEC_OFFSET, timeoutNs / 1_000_000_000L);
                buffer.putLong(timespecOffset + AiocbDescriptor.TIMESPEC_NSEC_OFFSET, timeoutNs % 1_000_000_000L);
                timespec = buffer.addressOffset() + timespecOffset;
            }
            if (GlibcAio.aio_suspend(buffer.addressOffset(), entries, timespec) != 0) {
                int errno = GlibcAio.errno();
                if (errno != Errno.EAGAIN.value() && errno != Errno.EINTR.value()) {
                    throw new AioException("aio_suspend", null, errno, memory.capacity() + "-byte list of " + entries);
                }
            }
        }
    }
}
