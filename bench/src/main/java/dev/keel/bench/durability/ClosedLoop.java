package dev.keel.bench.durability;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Threads that each append one record at a time, blocking until it is durable, as fast as the
 * system allows (a closed loop: the next append starts when the last one returns). Every thread
 * runs through a warm-up, then a measuring window; a record counts when its append returns
 * inside the window, and its latency is the time the call took. Each thread records into its
 * own histogram (no sharing in the loop); they are added up at the end. Meanwhile the calling
 * thread sleeps through the warm-up and reads the process's CPU time at both ends of the window.
 */
public record ClosedLoop(long warmupNs, long windowNs) {

    /** Runs {@code threads} writers of {@code recordBytes} on {@code log}; writers are made on their own threads. */
    public Measurement run(DurableLog log, int threads, int recordBytes) throws IOException {
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        long[] window = new long[2];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Worker w = new Worker(log, recordBytes, ready, go, window, failure);
            workers.add(w);
            w.thread.start();
        }
        awaitQuietly(ready);
        long start = System.nanoTime();
        window[0] = start + warmupNs;
        window[1] = window[0] + windowNs;
        go.countDown();
        long cpuNs = cpuDuring(window[0], window[1]);
        Histogram total = Measurement.newHistogram();
        long records = 0;
        for (Worker w : workers) {
            joinQuietly(w.thread);
            total.add(w.latencyNs);
            records += w.records;
        }
        rethrow(failure.get(), log.system());
        return new Measurement(records, recordBytes, windowNs, total, cpuNs);
    }

    /** Sleeps until {@code fromNs}, then until {@code toNs} (System.nanoTime), and returns the process CPU used in between. */
    static long cpuDuring(long fromNs, long toNs) {
        sleepUntil(fromNs);
        long start = ProcessCpu.nanos();
        sleepUntil(toNs);
        return ProcessCpu.between(start, ProcessCpu.nanos());
    }

    private static void sleepUntil(long deadlineNs) {
        for (long left = deadlineNs - System.nanoTime(); left > 0; left = deadlineNs - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    static void rethrow(Throwable t, String system) throws IOException {
        if (t instanceof IOException e) {
            throw new IOException(system + ": " + e.getMessage(), e);
        }
        if (t != null) {
            throw new IOException(system + " failed: " + t, t);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the writers", e);
        }
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the writers", e);
        }
    }

    /** One writer thread: its loop, its histogram, its count. */
    private static final class Worker implements Runnable {
        final Thread thread;
        final Histogram latencyNs = Measurement.newHistogram();
        private final DurableLog log;
        private final int recordBytes;
        private final CountDownLatch ready;
        private final CountDownLatch go;
        private final long[] window;
        private final AtomicReference<Throwable> failure;
        long records;

        Worker(DurableLog log, int recordBytes, CountDownLatch ready, CountDownLatch go, long[] window,
               AtomicReference<Throwable> failure) {
            this.log = log;
            this.recordBytes = recordBytes;
            this.ready = ready;
            this.go = go;
            this.window = window;
            this.failure = failure;
            this.thread = new Thread(this, "bench-" + log.system());
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            DurableLog.RecordWriter writer;
            try {
                writer = log.writer(recordBytes);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                return;
            } finally {
                ready.countDown();
            }
            try {
                go.await();
                loop(writer, window[0], window[1]);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }

        private void loop(DurableLog.RecordWriter writer, long measureFrom, long stopAt) throws IOException {
            long t0 = System.nanoTime();
            while (t0 < stopAt) {
                writer.appendDurably();
                long t1 = System.nanoTime();
                if (t1 >= measureFrom && t1 < stopAt) {
                    latencyNs.recordValue(Math.min(t1 - t0, Measurement.MAX_LATENCY_NS));
                    records++;
                }
                t0 = t1;
            }
        }
    }
}
