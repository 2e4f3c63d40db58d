package dev.keel.wal;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Who may drive the write path right now: submit batches to the log's AIO context and reap its
 * completions (RocksDB's write-group leader). Exactly one thread at a time, because completions
 * reaped by one thread cannot be handed to another's wait. Usually the committer holds it; a
 * blocking appender that finds the log idle takes it for one write group of its own, so a lone
 * writer pays no thread hand-off.
 *
 * <p>Taking and giving it back are a volatile compare-and-set and a volatile write, so the
 * committer's state (the walk position, the batches) written by one holder is seen by the next.
 */
final class WriteLeadership {
    private static final long ACQUIRE_PARK_NS = 100_000;

    private final AtomicReference<Thread> holder = new AtomicReference<>();

    /** Takes leadership if nobody holds it; never waits. */
    boolean tryAcquire() {
        return holder.get() == null && holder.compareAndSet(null, Thread.currentThread());
    }

    /**
     * Takes leadership, waiting for the holder to give it back. Only for closing and truncating,
     * where the committer is stopped and at most one appender can still be finishing a group.
     */
    void acquire() {
        while (!tryAcquire()) {
            LockSupport.parkNanos(this, ACQUIRE_PARK_NS);
        }
    }

    void release() {
        assert holder.get() == Thread.currentThread() : "leadership released by " + Thread.currentThread().getName()
            + ", held by " + holder.get();
        holder.set(null);
    }

    boolean isHeldByCurrentThread() {
        return holder.get() == Thread.currentThread();
    }

    boolean isFree() {
        return holder.get() == null;
    }
}
