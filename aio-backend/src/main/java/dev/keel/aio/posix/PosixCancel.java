package dev.keel.aio.posix;

import dev.keel.aio.AioException;
import dev.keel.aio.AioRequest;
import dev.keel.aio.CancelResult;
import dev.keel.aio.Errno;

import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

import static dev.keel.aio.posix.AiocbDescriptor.AIO_ALLDONE;
import static dev.keel.aio.posix.AiocbDescriptor.AIO_CANCELED;
import static dev.keel.aio.posix.AiocbDescriptor.AIO_NOTCANCELED;
import static dev.keel.aio.posix.AiocbDescriptor.EINPROGRESS;

/**
 * aio_cancel for one request, without ever canceling the head of a descriptor's queue.
 *
 * <pre>
 *   aio_error != EINPROGRESS ──────────────────────────────────────────────► ALL_DONE
 *   no earlier request of its fd still in glibc (it is the head) ──────────► NOT_CANCELED, glibc not asked
 *   aio_cancel(fd, aiocb): AIO_CANCELED ─► marked canceled ─► CANCELED
 *        └ its predecessors finished meanwhile (it may have been the head) ─► requeueSuccessors
 *     AIO_NOTCANCELED, EBADF ─► NOT_CANCELED;  AIO_ALLDONE, EINVAL ─► ALL_DONE
 *   requeueSuccessors: aio_cancel(fd, NULL) takes the later ones out ─► requeuePending ─►
 *     the running aio_suspend returns (SuspendWait) ─► queued again in their order
 * </pre>
 *
 * <h2>The glibc bug it steps around</h2>
 * glibc 2.36's aio_cancel on the <em>head</em> of a descriptor's queue, while that head waits
 * for a worker, unlinks it and marks its successor runnable without putting it on the run list:
 * every later request on the descriptor then stays EINPROGRESS forever (reproduced here 20
 * times out of 20 with a C program). So a request with no queued predecessor on its descriptor
 * is answered NOT_CANCELED without asking glibc: it runs or is about to. If the predecessors
 * finish between that check and aio_cancel, the successors may be stranded, so after a
 * CANCELED answer the check is repeated, and if no predecessor is left the successors are
 * taken out with the descriptor-wide aio_cancel (which has no such bug) and queued again in
 * their order. A request already running stays (glibc answers NOT_CANCELED for it), so order
 * on the descriptor is unchanged.
 *
 * <p>Called under the context's enqueue lock, so no submission interleaves with a re-queue, and
 * its list lock, so no reap sees the transient ECANCELED of re-queued requests.
 */
final class PosixCancel {
    private static final int ECANCELED = Errno.ECANCELED.value();

    private final AiocbTable table;
    private final InFlightList inFlight;
    private final GlibcSubmission submission;
    private final SuspendWait suspendWait;
    private final IntFunction<AioRequest> requestInSlot;
    private final ToIntFunction<AioRequest> slotOf;
    /** Re-queue scratch, sized once. */
    private final AioRequest[] requeue;
    private long requeued;

    PosixCancel(int maxInFlight, AiocbTable table, InFlightList inFlight, GlibcSubmission submission,
                SuspendWait suspendWait, IntFunction<AioRequest> requestInSlot, ToIntFunction<AioRequest> slotOf) {
        this.table = table;
        this.inFlight = inFlight;
        this.submission = submission;
        this.suspendWait = suspendWait;
        this.requestInSlot = requestInSlot;
        this.slotOf = slotOf;
        this.requeue = new AioRequest[maxInFlight];
    }

    /** Cancels {@code request}, in {@code slot} at {@code position} of the in-flight list, neither refused nor canceled. */
    CancelResult cancel(AioRequest request, int slot, int position) throws AioException {
        int fd = table.fd(slot);
        if (table.glibcError(slot) != EINPROGRESS) {
            return CancelResult.ALL_DONE;
        }
        if (!hasQueuedPredecessor(position, fd)) {
            return CancelResult.NOT_CANCELED;
        }
        int rc = GlibcAio.aio_cancel(fd, table.address(slot));
        if (rc == AIO_CANCELED) {
            table.markCanceled(slot);
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

    /** True when a request ahead of {@code position} on {@code fd} is still queued or running in glibc. */
    private boolean hasQueuedPredecessor(int position, int fd) {
        for (int i = 0; i < position; i++) {
            int slot = inFlight.slot(i);
            if (table.fd(slot) == fd && table.inGlibc(slot)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Takes every request behind {@code position} on {@code fd} out of glibc with the
     * descriptor-wide aio_cancel (which unlinks a whole queue correctly) and queues the ones it
     * canceled again, in their order.
     */
    void requeueSuccessors(int position, int fd) {
        int candidates = 0;
        for (int i = position + 1; i < inFlight.size(); i++) {
            int slot = inFlight.slot(i);
            if (table.fd(slot) == fd && table.inGlibc(slot)) {
                requeue[candidates++] = requestInSlot.apply(slot);
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
            int slot = slotOf.applyAsInt(r);
            if (table.glibcError(slot) == ECANCELED) {
                table.requeuePending(slot, true);
                requeue[again++] = r;
            }
        }
        // The running aio_suspend may list the first of them: it must return before they are
        // queued again (see SuspendWait). Reaps meanwhile skip them (requeuePending).
        if (suspendWait.isSuspending()) {
            suspendWait.awaitSuspendEnd();
        }
        requeued += again;
        submission.issue(requeue, 0, again, false);
        for (int k = 0; k < again; k++) {
            table.requeuePending(slotOf.applyAsInt(requeue[k]), false);
            requeue[k] = null;
        }
    }

    /** Requests re-queued after a cancel found its predecessors gone. Under the list lock. */
    long requeuedCount() {
        return requeued;
    }
}
