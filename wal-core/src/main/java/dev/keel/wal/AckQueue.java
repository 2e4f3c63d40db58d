package dev.keel.wal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * Who is waiting for which LSN, in LSN order: blocking appenders (their {@link Thread}, which
 * parks until the durable LSN passes its own) and asynchronous ones (their future). Entries are
 * added under the append monitor in the order LSNs are assigned, so the queue is sorted and the
 * committer completes waiters in LSN order by taking a prefix. No allocation in steady state:
 * the arrays grow by doubling and are reused.
 */
final class AckQueue {
    private Object[] targets = new Object[256];
    private long[] lsns = new long[256];
    private int head;
    private int size;

    /** Under the append monitor. */
    void add(Object target, long lsn) {
        if (size == targets.length) {
            grow();
        }
        int at = (head + size) & (targets.length - 1);
        targets[at] = target;
        lsns[at] = lsn;
        size++;
    }

    private void grow() {
        int n = targets.length;
        Object[] t = new Object[n * 2];
        long[] l = new long[n * 2];
        for (int i = 0; i < size; i++) {
            t[i] = targets[(head + i) & (n - 1)];
            l[i] = lsns[(head + i) & (n - 1)];
        }
        targets = t;
        lsns = l;
        head = 0;
    }

    /**
     * Under the append monitor: moves every entry with an LSN up to {@code durableLsn} (all of
     * them when {@code durableLsn} is {@link Long#MAX_VALUE}) into {@code out}.
     */
    void takeUpTo(long durableLsn, Batch out) {
        while (size > 0 && lsns[head] <= durableLsn) {
            out.add(targets[head], lsns[head]);
            targets[head] = null;
            head = (head + 1) & (targets.length - 1);
            size--;
        }
    }

    int size() {
        return size;
    }

    /** A committer-owned list of taken entries, completed outside the monitor. */
    static final class Batch {
        Object[] targets = new Object[256];
        long[] lsns = new long[256];
        int size;

        void add(Object target, long lsn) {
            if (size == targets.length) {
                Object[] t = new Object[size * 2];
                long[] l = new long[size * 2];
                System.arraycopy(targets, 0, t, 0, size);
                System.arraycopy(lsns, 0, l, 0, size);
                targets = t;
                lsns = l;
            }
            targets[size] = target;
            lsns[size] = lsn;
            size++;
        }

        /** Wakes blocking appenders and completes futures, in LSN order. */
        @SuppressWarnings("unchecked")
        void complete(Throwable failure) {
            for (int i = 0; i < size; i++) {
                Object t = targets[i];
                targets[i] = null;
                if (t instanceof Thread thread) {
                    LockSupport.unpark(thread);
                } else if (failure == null) {
                    ((CompletableFuture<Long>) t).complete(lsns[i]);
                } else {
                    ((CompletableFuture<Long>) t).completeExceptionally(failure);
                }
            }
            size = 0;
        }
    }
}
