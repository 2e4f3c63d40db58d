package dev.keel.aio;

import dev.keel.aio.internal.FileSyscalls;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The machinery every backend shares, so that each backend implements only how requests reach
 * its kernel interface and how completions come back (the SPI methods at the bottom).
 *
 * <p>What lives here: argument checks with messages that name the value; the slot table that
 * bounds requests in flight and gives each one a small integer a backend can use as its kernel
 * tag (io_uring user_data, iocb aio_data, an index into aiocb memory); exactly-once delivery
 * (every reap happens under {@code reapLock}); {@code await}'s min/max/timeout loop; wakeup;
 * {@code submitAndWait}; counters; and the refusal to close with requests in flight.
 *
 * <pre>
 *   submit ──► slots[slot] = request ──► submitRequests (backend) ──► kernel / workers
 *                                                                        │
 *   await/poll ◄── deliver (state, result) ◄── drain under reapLock ◄── reapRequests (backend)
 *                                         └── undelivered: completions reaped by submitAndWait
 *                                             that belong to the port
 * </pre>
 *
 * <p>No allocation in steady state: slot table, free list, scratch and undelivered queue are
 * sized once from {@link AioLimits#maxInFlight()}.
 */
public abstract class AbstractAioContext implements AioContext {
    /** submitAndWait re-checks its requests at least this often, in case another thread reaped them. */
    private static final long SUBMIT_AND_WAIT_SLICE_NS = 1_000_000L;

    private final String backendName;
    private final AioLimits limits;
    private final RequestSlots slots;
    private final ReentrantLock submitLock = new ReentrantLock();
    private final ReentrantLock reapLock = new ReentrantLock();
    private final AioRequest[] scratch;
    private final ArrayDeque<AioRequest> undelivered;
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final AtomicLongArray counters = new AtomicLongArray(AioCounter.values().length);
    private volatile boolean closed;

    protected AbstractAioContext(String backendName, AioLimits limits) {
        this.backendName = backendName;
        this.limits = limits;
        int n = limits.maxInFlight();
        this.slots = new RequestSlots(n);
        this.scratch = new AioRequest[n];
        this.undelivered = new ArrayDeque<>(n);
    }

    @Override
    public final String backendName() {
        return backendName;
    }

    @Override
    public final AioLimits limits() {
        return limits;
    }

    @Override
    public final int submit(AioRequest[] batch, int from, int count) throws AioException {
        return submitInternal(batch, from, count, false);
    }

    private int submitInternal(AioRequest[] batch, int from, int count, boolean waited) throws AioException {
        checkRange("batch", batch, from, count);
        submitLock.lock();
        try {
            ensureOpen();
            int n = Math.min(count, slots.free());
            claim(batch, from, n, waited, false);
            int accepted;
            try {
                accepted = n == 0 ? 0 : submitRequests(batch, from, n);
            } catch (AioException | RuntimeException e) {
                rollback(batch, from, n);
                throw e;
            }
            assert accepted >= 0 && accepted <= n : "backend accepted " + accepted + " of " + n;
            rollback(batch, from + accepted, n - accepted);
            return accepted;
        } finally {
            submitLock.unlock();
        }
    }

    /** Gives {@code batch[from, from + n)} slots and marks them SUBMITTED; all or none. Under the submit lock. */
    private void claim(AioRequest[] batch, int from, int n, boolean waited, boolean inline) {
        for (int i = 0; i < n; i++) {
            AioRequest r = batch[from + i];
            if (r == null || r.state() != RequestState.PREPARED) {
                String found = r == null ? "null" : r.state().toString();
                rollback(batch, from, i);
                throw new IllegalArgumentException("batch[" + (from + i) + "] is " + found
                    + ": only PREPARED requests can be submitted");
            }
            int slot = slots.take(r);
            r.markSubmitted(this, slot, waited, inline);
        }
    }

    private void rollback(AioRequest[] batch, int from, int count) {
        for (int i = from; i < from + count; i++) {
            AioRequest r = batch[i];
            slots.release(r.slot);
            r.markUnsubmitted();
        }
    }

    @Override
    public final int submitAndWait(AioRequest[] batch, int from, int count) throws AioException {
        checkWaitedBatch(batch, from, count);
        int submitted = 0;
        while (true) {
            if (submitted < count) {
                submitted += submitInternal(batch, from + submitted, count - submitted, true);
            }
            if (submitted == count && allDelivered(batch, from, count)) {
                break;
            }
            drainForWaiter();
            if (submitted == count && allDelivered(batch, from, count)) {
                break;
            }
            block(1, SUBMIT_AND_WAIT_SLICE_NS);
        }
        return succeeded(batch, from, count);
    }

    private void checkWaitedBatch(AioRequest[] batch, int from, int count) {
        checkRange("batch", batch, from, count);
        if (count > limits.maxInFlight()) {
            throw new IllegalArgumentException("count=" + count + " exceeds maxInFlight=" + limits.maxInFlight());
        }
    }

    private static int succeeded(AioRequest[] batch, int from, int count) {
        int ok = 0;
        for (int i = from; i < from + count; i++) {
            if (batch[i].result() >= 0) {
                ok++;
            }
        }
        return ok;
    }

    @Override
    public final int submitAndWaitInline(AioRequest[] batch, int from, int count) throws AioException {
        checkWaitedBatch(batch, from, count);
        if (count == 0 || !claimWhenIdle(batch, from, count)) {
            return submitAndWait(batch, from, count);
        }
        FileSyscalls sys = inlineSyscalls();
        try {
            for (int i = from; i < from + count; i++) {
                countIssued(AioCounter.INLINE_REQUESTS);
                setKernelResult(batch[i], (int) runInThisThread(sys, batch[i]));
            }
        } finally {
            // Should a call throw (it returns errnos, so only a JVM error can), the requests it
            // never reached were never made: they complete as canceled, so no slot stays taken.
            reapLock.lock();
            try {
                for (int i = from; i < from + count; i++) {
                    if (!batch[i].kernelDone) {
                        setKernelResult(batch[i], -Errno.ECANCELED.value());
                    }
                    deliver(batch[i]);
                }
            } finally {
                reapLock.unlock();
            }
        }
        return succeeded(batch, from, count);
    }

    /** Claims the whole batch for an inline run if nothing is in flight; false (nothing claimed) otherwise. */
    private boolean claimWhenIdle(AioRequest[] batch, int from, int count) {
        submitLock.lock();
        try {
            ensureOpen();
            if (inFlight() > 0) {
                return false;
            }
            claim(batch, from, count, true, true);
            return true;
        } finally {
            submitLock.unlock();
        }
    }

    private static boolean allDelivered(AioRequest[] batch, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (batch[i].state() == RequestState.SUBMITTED) {
                return false;
            }
        }
        return true;
    }

    /** Reaps for submitAndWait: its own requests are finished, others are kept for the port. */
    private void drainForWaiter() throws AioException {
        boolean keptForPort = false;
        reapLock.lock();
        try {
            int k;
            while ((k = reapRequests(scratch, 0, scratch.length)) > 0) {
                for (int i = 0; i < k; i++) {
                    AioRequest r = scratch[i];
                    scratch[i] = null;
                    if (r.waited) {
                        deliver(r);
                    } else {
                        undelivered.addLast(r);
                        keptForPort = true;
                    }
                }
            }
        } finally {
            reapLock.unlock();
        }
        if (keptForPort) {
            // A thread blocked in await may have been woken by these completions in the kernel:
            // make it look again.
            interruptBlock();
        }
    }

    @Override
    public final int await(AioRequest[] out, int min, int max, long timeoutNs) throws AioException {
        checkOut(out, max);
        if (min < 0 || min > max) {
            throw new IllegalArgumentException("min=" + min + " must be between 0 and max=" + max);
        }
        if (timeoutNs < 0) {
            throw new IllegalArgumentException("timeoutNs=" + timeoutNs + " must be >= 0 (AioContext.INFINITE to wait forever)");
        }
        long deadlineNs = timeoutNs == INFINITE ? Long.MAX_VALUE : System.nanoTime() + timeoutNs;
        int n = 0;
        while (true) {
            ensureOpen();
            n += drain(out, n, max - n);
            if (n >= min) {
                return n;
            }
            if (wakeupPending.compareAndSet(true, false)) {
                return n;
            }
            long remainingNs = timeoutNs == INFINITE ? INFINITE : deadlineNs - System.nanoTime();
            if (remainingNs <= 0) {
                return n;
            }
            countIssued(AioCounter.WAIT_CALLS);
            block(min - n, remainingNs);
        }
    }

    @Override
    public final int poll(AioRequest[] out, int max) throws AioException {
        checkOut(out, max);
        ensureOpen();
        return drain(out, 0, max);
    }

    private int drain(AioRequest[] out, int off, int max) throws AioException {
        if (max == 0) {
            return 0;
        }
        reapLock.lock();
        try {
            int n = 0;
            while (n < max && !undelivered.isEmpty()) {
                AioRequest r = undelivered.pollFirst();
                deliver(r);
                out[off + n++] = r;
            }
            while (n < max) {
                int k = reapRequests(out, off + n, max - n);
                if (k == 0) {
                    break;
                }
                int w = off + n;
                for (int i = off + n; i < off + n + k; i++) {
                    AioRequest r = out[i];
                    boolean ownedBySubmitAndWait = r.waited;
                    deliver(r);
                    if (!ownedBySubmitAndWait) {
                        out[w++] = r;
                    }
                }
                n = w - off;
            }
            return n;
        } finally {
            reapLock.unlock();
        }
    }

    /** Called under reapLock: frees the slot, then publishes result and state to the caller. */
    private void deliver(AioRequest r) {
        assert r.kernelDone : "delivering a request the backend did not finish: " + r;
        slots.release(r.slot);
        r.markDelivered();
        counters.incrementAndGet(AioCounter.COMPLETIONS.ordinal());
    }

    @Override
    public final void wakeup() {
        wakeupPending.set(true);
        interruptBlock();
    }

    @Override
    public final CancelResult cancel(AioRequest request) throws AioException {
        if (request == null) {
            throw new IllegalArgumentException("request is null");
        }
        RequestState s = request.state();
        if (s == RequestState.COMPLETED || s == RequestState.CANCELED) {
            return CancelResult.ALL_DONE;
        }
        AbstractAioContext owner = request.owner;
        if (s == RequestState.SUBMITTED && owner == null) {
            // Another thread is delivering it (or rolling it back) right now: markDelivered clears
            // the owner before it publishes the final state. Wait for that state.
            while ((s = request.state()) == RequestState.SUBMITTED) {
                Thread.onSpinWait();
            }
            if (s == RequestState.COMPLETED || s == RequestState.CANCELED) {
                return CancelResult.ALL_DONE;
            }
        }
        if (s != RequestState.SUBMITTED || owner != this) {
            throw new IllegalArgumentException("request was not submitted to this context: " + request);
        }
        if (request.kernelDone) {
            return CancelResult.ALL_DONE;
        }
        if (request.inline) {
            return CancelResult.NOT_CANCELED; // the calling thread is making the system call itself
        }
        return cancelRequest(request);
    }

    @Override
    public final int inFlight() {
        return slots.inUse();
    }

    @Override
    public final long count(AioCounter counter) {
        return counters.get(counter.ordinal());
    }

    @Override
    public final void close() throws AioException {
        submitLock.lock();
        try {
            if (closed) {
                return;
            }
            int inFlight = inFlight();
            if (inFlight > 0) {
                throw new IllegalStateException("close refused: " + inFlight + " requests in flight on " + backendName
                    + "; await their completions first");
            }
            closed = true;
            closeBackend();
        } finally {
            submitLock.unlock();
        }
    }

    protected final boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("AIO context (" + backendName + ") is closed");
        }
    }

    private static void checkRange(String what, Object[] array, int from, int count) {
        if (array == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (from < 0 || count < 0 || from > array.length - count) {
            throw new IllegalArgumentException(what + " range from=" + from + " count=" + count
                + " is outside an array of length " + array.length);
        }
    }

    private static void checkOut(AioRequest[] out, int max) {
        if (out == null) {
            throw new IllegalArgumentException("out is null");
        }
        if (max < 0 || max > out.length) {
            throw new IllegalArgumentException("max=" + max + " must be between 0 and out.length=" + out.length);
        }
    }

    // ---------------------------------------------------------------- for backends

    /** Counts one native operation, where the backend hands it to the kernel. */
    protected final void countIssued(AioCounter counter) {
        counters.incrementAndGet(counter.ordinal());
    }

    /** The request submitted in {@code slot}, or null; for backends that tag kernel work by slot. */
    protected final AioRequest requestInSlot(int slot) {
        return slots.at(slot);
    }

    /** The slot, in {@code [0, maxInFlight)}, of a submitted request. */
    protected static int slotOf(AioRequest request) {
        return request.slot;
    }

    /**
     * Records what the kernel said about {@code request}: bytes or a negative errno. The backend
     * then returns the request from {@link #reapRequests}; delivery publishes the result.
     */
    protected static void setKernelResult(AioRequest request, int result) {
        request.kernelResult = result;
        request.kernelDone = true;
    }

    /** True once {@link #setKernelResult} ran for the request (it may not be delivered yet). */
    protected static boolean isKernelDone(AioRequest request) {
        return request.kernelDone;
    }

    /**
     * Makes the request's system call in this thread and returns its result (bytes or a negative
     * errno), counting it: a worker's job, and {@link #submitAndWaitInline}'s.
     */
    protected final long runInThisThread(FileSyscalls sys, AioRequest r) {
        int fd = fdOf(r);
        switch (r.opcode()) {
            case READ -> {
                countIssued(AioCounter.READS);
                return sys.pread(fd, r.address(), r.length(), r.offset());
            }
            case WRITE -> {
                countIssued(AioCounter.WRITES);
                return sys.pwrite(fd, r.address(), r.length(), r.offset());
            }
            case APPEND -> {
                countIssued(AioCounter.WRITES);
                return sys.write(fd, r.address(), r.length());
            }
            case SYNC -> {
                boolean data = r.syncMode() == SyncMode.DATA;
                countIssued(data ? AioCounter.DATA_SYNCS : AioCounter.FILE_SYNCS);
                return data ? sys.fdatasync(fd) : sys.fsync(fd);
            }
            default -> throw new AssertionError(r.opcode());
        }
    }

    /** The calls {@link #submitAndWaitInline} makes; a backend with its own (a test's counting ones) overrides. */
    protected FileSyscalls inlineSyscalls() {
        return FileSyscalls.LIBC;
    }

    /** The file descriptor the request targets, or -1 if its file was closed (the kernel answers EBADF). */
    protected static int fdOf(AioRequest request) {
        return request.file().rawFd();
    }

    /**
     * Hands {@code batch[from, from + count)} (already SUBMITTED, with slots) to the kernel.
     * Returns how many were accepted, a prefix; fewer than count only when the kernel is out of
     * room. A request the kernel rejects must still complete, with its errno, through
     * {@link #reapRequests}. Throws only when nothing was accepted. Called under the submit lock.
     */
    protected abstract int submitRequests(AioRequest[] batch, int from, int count) throws AioException;

    /**
     * Puts up to {@code max} finished requests (each after {@link #setKernelResult}) into
     * {@code out[off, off + n)} and returns n; never blocks. Called under the reap lock, so
     * backends need no lock of their own for single-consumer completion queues.
     */
    protected abstract int reapRequests(AioRequest[] out, int off, int max) throws AioException;

    /**
     * Blocks until completions may be there to reap ({@code wanted} is a hint), or
     * {@link #interruptBlock()} is called, or {@code timeoutNs} passes. May return early.
     * Called without locks, possibly by several threads at once.
     */
    protected abstract void block(int wanted, long timeoutNs) throws AioException;

    /** Makes every thread in {@link #block} return. */
    protected abstract void interruptBlock();

    /**
     * Cancels a request the kernel has not finished. On CANCELED the backend completes it with
     * -ECANCELED through {@link #reapRequests}.
     */
    protected abstract CancelResult cancelRequest(AioRequest request) throws AioException;

    /** Frees the backend's resources; nothing is in flight. */
    protected abstract void closeBackend() throws AioException;
}
