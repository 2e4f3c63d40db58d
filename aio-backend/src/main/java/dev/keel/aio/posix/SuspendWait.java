package dev.keel.aio.posix;

import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioRequest;
import dev.keel.aio.Errno;
import dev.keel.aio.internal.LeaderFollowerWait;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;
import java.util.function.ToIntFunction;

import static dev.keel.aio.posix.AiocbDescriptor.POINTER_BYTES;

/**
 * Blocking and wake-up for the POSIX context: one leader in {@code aio_suspend}, the wake-up
 * pipe, and the bookkeeping that keeps glibc's aio_suspend off freed memory.
 *
 * <pre>
 *   block ─► becomeLeader? ─ no ─► followed until the leader left (or the timeout) ─► reap
 *              └ yes ─► wake fired? re-arm, return ─► snapshot (under the list lock):
 *                 suspend list = [wake-up read, oldest unreaped aiocb of each fd], suspending = true,
 *                 suspendEpoch = listEpoch ─► aio_suspend(list, timeout) ─► suspending = false,
 *                 suspendGeneration++ ─► re-arm the wake-up read ─► stepDown
 *   reap ─► listEpoch++, each reaped slot: reapedAtEpoch = listEpoch
 *   submit / cancel's re-queue of a slot with reapedAtEpoch > suspendEpoch ─► signal the pipe and
 *     wait until that aio_suspend returned (awaitSuspendEnd)
 * </pre>
 *
 * <h2>Waiting, and the glibc hazard it steps around</h2>
 * One thread at a time (the leader) calls aio_suspend with the wake-up read and each
 * descriptor's oldest unreaped aiocb (nothing behind it on its descriptor can finish first);
 * other waiters sleep on a condition until the leader leaves ({@link LeaderFollowerWait}).
 * glibc's aio_suspend, after waking, walks the waiter list of each listed request that still
 * reads EINPROGRESS; if the aiocb was reaped and queued again meanwhile, that request element is
 * freed or reused and the walk follows dangling pointers (the JVM died this way in the suite's
 * concurrent test). So nothing a running aio_suspend may list is queued again until it returns:
 * slots reaped after its snapshot (tracked by list epochs), successors re-queued by cancel, and
 * the wake-up read, which only the leader re-arms, outside aio_suspend. A single leader keeps
 * that bookkeeping to one snapshot.
 *
 * <p>The epochs and the suspend flags are guarded by the context's list lock, which this class
 * also waits on; {@link #isSuspending} may be read without it.
 */
final class SuspendWait {
    /** aio_suspend builds about 48 bytes per entry on the caller's stack: keep it small. */
    static final int SUSPEND_LIST_MAX = 1024;
    /** When more descriptors are busy than a suspend list holds, look again this often. */
    private static final long TRUNCATED_LIST_WAIT_NS = 1_000_000L;
    /** How often a thread waiting for an aio_suspend to return signals the pipe again. */
    private static final long SUSPEND_END_RECHECK_MS = 10;

    private final Object listLock;
    private final AiocbTable table;
    private final InFlightList inFlight;
    private final ToIntFunction<AioRequest> slotOf;
    private final BooleanSupplier closed;
    private final WakePipe wake;
    /** The leader waits in aio_suspend, the others for it to return; the pipe wakes it, so no kick here. */
    private final LeaderFollowerWait waiters = new LeaderFollowerWait(null);
    /** The leader's sleep, made once (see {@link LeaderFollowerWait#await}). */
    private final LeaderFollowerWait.KernelSleep leaderSleep = this::lead;
    /** The leader's list: only the leader calls aio_suspend. */
    private final SuspendList suspendList;
    /** Descriptors the snapshot already listed (under listLock). */
    private final FdSet listed;

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

    SuspendWait(int maxInFlight, Object listLock, AiocbTable table, InFlightList inFlight,
                ToIntFunction<AioRequest> slotOf, BooleanSupplier closed) throws AioException {
        this.listLock = listLock;
        this.table = table;
        this.inFlight = inFlight;
        this.slotOf = slotOf;
        this.closed = closed;
        this.suspendList = new SuspendList(Math.min(maxInFlight + 1, SUSPEND_LIST_MAX));
        this.listed = new FdSet(maxInFlight);
        this.reapedAtEpoch = new long[maxInFlight];
        this.wake = WakePipe.open();
    }

    /**
     * One thread at a time (the leader) waits in aio_suspend; the others wait for it to leave,
     * which it does on any listed completion, a wake-up, or its timeout.
     */
    void block(long timeoutNs) throws AioException {
        waiters.await(waiters.epoch(), timeoutNs, leaderSleep);
    }

    private void lead(long timeoutNs) throws AioException {
        // Re-arming is safe here: no other thread is in aio_suspend while this one leads.
        if (closed.getAsBoolean() || wake.rearmIfFired()) {
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
            listed.newPass();
            int entries = 0;
            // First: a thread that finds it done stops reading the list there (rt/aio_suspend.c).
            suspendList.put(entries++, wake.aiocbAddress());
            for (int i = 0; i < inFlight.size(); i++) {
                int slot = inFlight.slot(i);
                if (table.rejectedErrno(slot) != 0 || table.isCanceled(slot)) {
                    return 0;
                }
                if (!table.requeuePending(slot) && listed.add(table.fd(slot))) {
                    if (entries < suspendList.capacity()) {
                        suspendList.put(entries, table.address(slot));
                    }
                    entries++;
                }
            }
            suspending = true;
            suspendEpoch = listEpoch;
            return entries;
        }
    }

    /** True from the leader's snapshot until its aio_suspend returned. */
    boolean isSuspending() {
        return suspending;
    }

    /** A reap removed {@code out[off, off + n)} from the in-flight list: a suspend that snapshotted before may list them. Under listLock. */
    void reaped(AioRequest[] out, int off, int n) {
        if (n == 0) {
            return;
        }
        listEpoch++;
        for (int i = off; i < off + n; i++) {
            reapedAtEpoch[slotOf.applyAsInt(out[i])] = listEpoch;
        }
    }

    /**
     * Waits, if the aio_suspend in progress may list the aiocb of a slot of
     * {@code batch[from, from + count)} reaped after its snapshot, until that call has returned.
     * glibc's aio_suspend, once woken, re-takes its lock and, for every listed aiocb that reads
     * EINPROGRESS, walks the waiter list of the request element it registered on
     * (rt/aio_suspend.c). If the aiocb was reaped and queued again in between, that element is
     * freed or reused and its list holds dangling pointers into stacks and freed lio_listio wait
     * lists: the JVM dies in aio_suspend (seen here under the suite's concurrent reapers). So an
     * aiocb a running aio_suspend may list is never queued again until that call returns;
     * signalling the wake-up pipe makes it return at once. Called under the enqueue lock.
     */
    void awaitSuspendEndIfListed(AioRequest[] batch, int from, int count) {
        synchronized (listLock) {
            while (suspending) {
                boolean mayBeListed = false;
                for (int i = from; i < from + count && !mayBeListed; i++) {
                    mayBeListed = reapedAtEpoch[slotOf.applyAsInt(batch[i])] > suspendEpoch;
                }
                if (!mayBeListed) {
                    return;
                }
                awaitSuspendEnd();
            }
        }
    }

    /** Signals the pipe and waits until the aio_suspend in progress returns. Called under listLock. */
    void awaitSuspendEnd() {
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

    /** Makes the leader's aio_suspend return (the wake-up read completes). */
    void signal() {
        wake.signal();
    }

    /** At close, nothing being in flight: the wake-up read is the only request left in glibc. */
    void retire() throws AioException {
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
            if (timeoutNs != AioContext.INFINITE) {
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
