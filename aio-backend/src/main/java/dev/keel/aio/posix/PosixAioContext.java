package dev.keel.aio.posix;

import dev.keel.aio.AbstractAioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioLimits;
import dev.keel.aio.AioOptions;
import dev.keel.aio.AioRequest;
import dev.keel.aio.CancelResult;

import java.util.function.ToIntFunction;

import static dev.keel.aio.posix.AiocbTable.NOT_DONE;

/**
 * POSIX AIO through glibc: one raw {@code struct aiocb} per slot, batches handed over with
 * {@code lio_listio(LIO_NOWAIT)}, syncs with {@code aio_fsync}, completions found by polling
 * {@code aio_error}, waits in {@code aio_suspend}. This class wires the parts and holds the
 * locks, the reap walk, and the submit and cancel entry points.
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
 * <h2>Parts</h2>
 * {@link AiocbTable} holds the aiocbs and per-slot state; {@link GlibcSubmission} hands batches to
 * glibc with exact accounting on partial failure; {@link InFlightList} keeps glibc's order;
 * {@link SuspendWait} is the leader's aio_suspend, the wake-up pipe, and the epochs that keep
 * glibc off freed memory; {@link PosixCancel} is aio_cancel around a glibc bug. Each says why.
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
 * <p>Locks: {@link #enqueueLock} (submission, cancel), then {@link #listLock} (the in-flight
 * list, the per-slot state once submitted, the suspend bookkeeping). No allocation per request:
 * aiocbs, the lio_listio list, the suspend list and per-slot state are sized once from
 * maxInFlight.
 */
final class PosixAioContext extends AbstractAioContext {
    /** What the kernel enforces for O_DIRECT on these disks (logical block size). */
    private static final int DIRECT_ALIGNMENT_BYTES = 512;
    /** lio_listio's chunk ({@link GlibcSubmission#LIO_CHUNK}), named here for the tests. */
    static final int LIO_CHUNK = GlibcSubmission.LIO_CHUNK;
    /** The slot of a submitted request, for the parts (the base class keeps it). */
    private static final ToIntFunction<AioRequest> SLOT_OF = AbstractAioContext::slotOf;

    /** Held from the first glibc call of a submission to the last, and by cancel: glibc's order is ours. */
    private final Object enqueueLock = new Object();
    /** Guards the in-flight list, {@link #fdSet} and the per-slot state once submitted. */
    private final Object listLock = new Object();
    private final AiocbTable table;
    private final InFlightList inFlight;
    /** Descriptors that already showed a request still queued in this reap's pass (under listLock). */
    private final FdSet fdSet;
    private final GlibcSubmission submission;
    private final SuspendWait suspendWait;
    private final PosixCancel cancel;

    PosixAioContext(AioOptions options, QueueCalls queueCalls) throws AioException {
        super(PosixAioBackend.NAME, new AioLimits(options.maxInFlight(), DIRECT_ALIGNMENT_BYTES));
        int maxInFlight = options.maxInFlight();
        this.table = new AiocbTable(maxInFlight);
        this.inFlight = new InFlightList(maxInFlight);
        this.fdSet = new FdSet(maxInFlight);
        this.submission = new GlibcSubmission(maxInFlight, table, queueCalls, this::countIssued, SLOT_OF);
        this.suspendWait = new SuspendWait(maxInFlight, listLock, table, inFlight, SLOT_OF, this::isClosed);
        this.cancel = new PosixCancel(maxInFlight, table, inFlight, submission, suspendWait, this::requestInSlot,
            SLOT_OF);
    }

    // ------------------------------------------------------------------ submit

    @Override
    protected int submitRequests(AioRequest[] batch, int from, int count) {
        boolean leaderMissesThese;
        synchronized (enqueueLock) {
            suspendWait.awaitSuspendEndIfListed(batch, from, count);
            submission.issue(batch, from, count, true);
            synchronized (listLock) {
                for (int i = from; i < from + count; i++) {
                    inFlight.add(slotOf(batch[i]));
                }
                // A suspend that took its snapshot before this append does not list these
                // aiocbs (nor any refusal recorded above): make it look again. A later one sees them.
                leaderMissesThese = suspendWait.isSuspending();
            }
        }
        if (leaderMissesThese) {
            suspendWait.signal();
        }
        return count;
    }

    // ------------------------------------------------------------------ reap

    @Override
    protected int reapRequests(AioRequest[] out, int off, int max) {
        synchronized (listLock) {
            fdSet.newPass();
            int n = 0;
            int kept = 0;
            for (int i = 0; i < inFlight.size(); i++) {
                int slot = inFlight.slot(i);
                if (n < max) {
                    int result = resultIfDone(slot);
                    if (result != NOT_DONE) {
                        AioRequest r = requestInSlot(slot);
                        setKernelResult(r, result);
                        out[off + n++] = r;
                        continue;
                    }
                }
                inFlight.keep(kept++, slot);
            }
            inFlight.truncate(kept);
            // The slots reaped now may be listed by a suspend that snapshotted before.
            suspendWait.reaped(out, off, n);
            return n;
        }
    }

    /**
     * The request's result (bytes, or a negative errno) if it is done, else {@link AiocbTable#NOT_DONE}.
     * Uses and updates {@link #fdSet}: descriptors that already showed a queued request in this
     * pass, behind which nothing can be done (except a canceled request). Called under listLock.
     */
    private int resultIfDone(int slot) {
        if (table.rejectedErrno(slot) != 0) {
            return -table.rejectedErrno(slot);
        }
        int fd = table.fd(slot);
        if (table.requeuePending(slot)) {
            // Canceled by the descriptor-wide cancel, about to be queued again: not done.
            fdSet.add(fd);
            return NOT_DONE;
        }
        if (!table.isCanceled(slot) && fdSet.contains(fd)) {
            return NOT_DONE;
        }
        int result = table.glibcResult(slot);
        if (result == NOT_DONE) {
            fdSet.add(fd);
        }
        return result;
    }

    // ------------------------------------------------------------------ block and wake-up

    /** One leader in aio_suspend, the others waiting for it to leave: see {@link SuspendWait}. */
    @Override
    protected void block(int wanted, long timeoutNs) throws AioException {
        suspendWait.block(timeoutNs);
    }

    @Override
    protected void interruptBlock() {
        suspendWait.signal();
    }

    // ------------------------------------------------------------------ cancel

    /**
     * aio_cancel for one request ({@link PosixCancel}). Holds enqueueLock, so no submission
     * interleaves with a re-queue, and listLock, so no reap sees the transient ECANCELED of
     * re-queued requests.
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
        if (answer == CancelResult.CANCELED && suspendWait.isSuspending()) {
            suspendWait.signal();
        }
        return answer;
    }

    private CancelResult cancelLocked(AioRequest request) throws AioException {
        int slot = slotOf(request);
        int position = slot < 0 ? -1 : inFlight.positionOf(slot);
        if (position < 0 || requestInSlot(slot) != request || isKernelDone(request)
            || table.rejectedErrno(slot) != 0 || table.isCanceled(slot)) {
            return CancelResult.ALL_DONE;
        }
        return cancel.cancel(request, slot, position);
    }

    /** Requests re-queued after a cancel found its predecessors gone (tests read it). */
    long requeuedCount() {
        synchronized (listLock) {
            return cancel.requeuedCount();
        }
    }

    // ------------------------------------------------------------------ for tests

    /** aio_error of the request's aiocb, read now: what glibc says, before any delivery. */
    int glibcError(AioRequest request) {
        synchronized (listLock) {
            return table.glibcError(slotOf(request));
        }
    }

    /** The aio_lio_opcode glibc wrote when it queued the request (its LIO_DSYNC is 3, LIO_SYNC 4). */
    int queuedOpcode(AioRequest request) {
        synchronized (listLock) {
            return table.queuedOpcode(slotOf(request));
        }
    }

    /** Runs cancel's repair on the requests behind {@code request}, as if a cancel had found it the head. */
    void requeueBehind(AioRequest request) {
        synchronized (enqueueLock) {
            synchronized (listLock) {
                int slot = slotOf(request);
                cancel.requeueSuccessors(inFlight.positionOf(slot), table.fd(slot));
            }
        }
    }

    // ------------------------------------------------------------------ close

    @Override
    protected void closeBackend() throws AioException {
        // Nothing is in flight (the base refuses otherwise); only the wake-up read is.
        suspendWait.retire();
    }
}
