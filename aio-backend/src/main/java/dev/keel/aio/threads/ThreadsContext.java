package dev.keel.aio.threads;

import dev.keel.aio.AbstractAioContext;
import dev.keel.aio.AioCounter;
import dev.keel.aio.AioLimits;
import dev.keel.aio.AioOpcode;
import dev.keel.aio.AioOptions;
import dev.keel.aio.AioRequest;
import dev.keel.aio.CancelResult;
import dev.keel.aio.Errno;
import dev.keel.aio.RequestState;
import dev.keel.aio.internal.FileSyscalls;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * User-level AIO (the design of illumos libc's aio.c): worker threads take requests from
 * queues, make the system call, and post the request to a completion queue that
 * {@code await}/{@code poll} drain.
 *
 * <pre>
 *   submit ─┬─ READ ──────────────► unordered ───────────┐
 *           └─ WRITE/APPEND/SYNC ─► fileQueues[fd] ─► runnable ─┴─► workers ─► done ─► reap
 * </pre>
 *
 * <p>Ordering: a file's writes, appends and syncs share one FIFO that a single worker drains
 * at a time, so appends land in submission order and a sync runs only after every earlier
 * write to that descriptor has returned (the contract's barrier). Reads carry no ordering
 * promise in POSIX AIO, so they go to any free worker and run in parallel, which is what
 * recovery's read window wants. The price, as with glibc's AIO, is one ordered request in
 * flight per file.
 */
final class ThreadsContext extends AbstractAioContext {
    private static final int NO_ALIGNMENT_RULE = 512;

    private final FileSyscalls sys;
    private final ReentrantLock dispatchLock = new ReentrantLock();
    private final Condition workAvailable = dispatchLock.newCondition();
    private final ArrayDeque<AioRequest> unordered;
    private final Int2ObjectHashMap<FileQueue> fileQueues = new Int2ObjectHashMap<>();
    private final ArrayDeque<FileQueue> runnable = new ArrayDeque<>();
    private final ArrayDeque<FileQueue> spareQueues = new ArrayDeque<>();
    private boolean stopping;

    private final ReentrantLock doneLock = new ReentrantLock();
    private final Condition doneOrInterrupted = doneLock.newCondition();
    private final ArrayDeque<AioRequest> done;
    private long interruptGeneration;

    private final Thread[] workers;

    ThreadsContext(AioOptions options, FileSyscalls sys) {
        super(ThreadsBackend.NAME, new AioLimits(options.maxInFlight(), NO_ALIGNMENT_RULE));
        this.sys = sys;
        this.unordered = new ArrayDeque<>(options.maxInFlight());
        this.done = new ArrayDeque<>(options.maxInFlight());
        this.workers = new Thread[options.workerThreads()];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Thread(this::runWorker, "keel-aio-threads-" + i);
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    @Override
    protected int submitRequests(AioRequest[] batch, int from, int count) {
        dispatchLock.lock();
        try {
            for (int i = from; i < from + count; i++) {
                AioRequest r = batch[i];
                if (r.opcode() == AioOpcode.READ) {
                    unordered.addLast(r);
                } else {
                    enqueueOrdered(r);
                }
            }
            // One hand-off to the workers for the whole batch, as lio_listio is one call.
            countIssued(AioCounter.SUBMIT_CALLS);
            if (count == 1) {
                workAvailable.signal();
            } else {
                workAvailable.signalAll();
            }
        } finally {
            dispatchLock.unlock();
        }
        return count;
    }

    /** Called under dispatchLock. */
    private void enqueueOrdered(AioRequest r) {
        int fd = fdOf(r);
        FileQueue q = fileQueues.get(fd);
        if (q == null) {
            q = spareQueues.isEmpty() ? new FileQueue() : spareQueues.pollFirst();
            q.fd = fd;
            fileQueues.put(fd, q);
        }
        q.requests.addLast(r);
        if (!q.scheduled) {
            q.scheduled = true;
            runnable.addLast(q);
        }
    }

    private void runWorker() {
        while (true) {
            AioRequest read = null;
            FileQueue queue = null;
            dispatchLock.lock();
            try {
                while (!stopping && runnable.isEmpty() && unordered.isEmpty()) {
                    workAvailable.awaitUninterruptibly();
                }
                if (stopping) {
                    return;
                }
                if (!runnable.isEmpty()) {
                    queue = runnable.pollFirst();
                } else {
                    read = unordered.pollFirst();
                }
            } finally {
                dispatchLock.unlock();
            }
            if (queue != null) {
                drainInOrder(queue);
            } else {
                execute(read);
            }
        }
    }

    /** Runs a file's queue to empty, one request at a time, then gives the queue back. */
    private void drainInOrder(FileQueue queue) {
        while (true) {
            AioRequest r;
            dispatchLock.lock();
            try {
                r = queue.requests.pollFirst();
                if (r == null) {
                    fileQueues.remove(queue.fd);
                    spareQueues.addLast(queue.reset());
                    return;
                }
            } finally {
                dispatchLock.unlock();
            }
            execute(r);
        }
    }

    private void execute(AioRequest r) {
        post(r, (int) runInThisThread(sys, r));
    }

    @Override
    protected FileSyscalls inlineSyscalls() {
        return sys;
    }

    private void post(AioRequest r, int result) {
        setKernelResult(r, result);
        doneLock.lock();
        try {
            done.addLast(r);
            doneOrInterrupted.signal();
        } finally {
            doneLock.unlock();
        }
    }

    @Override
    protected int reapRequests(AioRequest[] out, int off, int max) {
        doneLock.lock();
        try {
            int n = 0;
            AioRequest r;
            while (n < max && (r = done.pollFirst()) != null) {
                out[off + n++] = r;
            }
            return n;
        } finally {
            doneLock.unlock();
        }
    }

    @Override
    protected void block(int wanted, long timeoutNs) {
        doneLock.lock();
        try {
            long generation = interruptGeneration;
            long remainingNs = timeoutNs;
            while (done.isEmpty() && generation == interruptGeneration && remainingNs > 0) {
                try {
                    remainingNs = doneOrInterrupted.awaitNanos(remainingNs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } finally {
            doneLock.unlock();
        }
    }

    @Override
    protected void interruptBlock() {
        doneLock.lock();
        try {
            interruptGeneration++;
            doneOrInterrupted.signalAll();
        } finally {
            doneLock.unlock();
        }
    }

    @Override
    protected CancelResult cancelRequest(AioRequest r) {
        dispatchLock.lock();
        try {
            boolean removed = r.opcode() == AioOpcode.READ ? unordered.remove(r) : removeOrdered(r);
            if (removed) {
                post(r, -Errno.ECANCELED.value());
                return CancelResult.CANCELED;
            }
        } finally {
            dispatchLock.unlock();
        }
        // Not queued any more: a worker has it. Done already, or still running.
        return isDone(r) ? CancelResult.ALL_DONE : CancelResult.NOT_CANCELED;
    }

    private boolean removeOrdered(AioRequest r) {
        FileQueue q = fileQueues.get(fdOf(r));
        return q != null && q.requests.remove(r);
    }

    private static boolean isDone(AioRequest r) {
        return r.state() != RequestState.SUBMITTED || isKernelDone(r);
    }

    @Override
    protected void closeBackend() {
        dispatchLock.lock();
        try {
            stopping = true;
            workAvailable.signalAll();
        } finally {
            dispatchLock.unlock();
        }
        for (Thread w : workers) {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
