package dev.keel.aio.conformance;

import dev.keel.aio.internal.FileSyscalls;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Real system calls, counted at the native-call boundary, with an optional gate that holds
 * every pwrite until opened (to make queued requests observable, for cancel).
 */
public final class CountingSyscalls implements FileSyscalls {
    public final AtomicLong preads = new AtomicLong();
    public final AtomicLong pwrites = new AtomicLong();
    public final AtomicLong writes = new AtomicLong();
    public final AtomicLong fdatasyncs = new AtomicLong();
    public final AtomicLong fsyncs = new AtomicLong();
    private volatile CountDownLatch pwriteGate;
    private volatile CountDownLatch writeGate;
    private volatile long pwriteDelayMs;
    private final CountDownLatch pwriteEntered = new CountDownLatch(1);

    /** Makes every pwrite take at least this long, so an ordering bug has time to show. */
    public void delayPwrites(long millis) {
        pwriteDelayMs = millis;
    }

    /** Holds every pwrite until {@link #openGate()}. */
    public void closeGate() {
        pwriteGate = new CountDownLatch(1);
    }

    /** Holds every pwrite and every write(2) (appends) until {@link #openGate()}. */
    public void closeGateForAllWrites() {
        writeGate = new CountDownLatch(1);
        closeGate();
    }

    public void openGate() {
        CountDownLatch g = pwriteGate;
        if (g != null) {
            g.countDown();
        }
        CountDownLatch w = writeGate;
        if (w != null) {
            w.countDown();
        }
    }

    private static void pass(CountDownLatch gate) {
        if (gate == null) {
            return;
        }
        try {
            gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until a pwrite is held at the gate. */
    public boolean awaitPwriteEntered(long timeoutMs) throws InterruptedException {
        return pwriteEntered.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public long pread(int fd, long address, long length, long offset) {
        preads.incrementAndGet();
        return LIBC.pread(fd, address, length, offset);
    }

    @Override
    public long pwrite(int fd, long address, long length, long offset) {
        pwrites.incrementAndGet();
        pwriteEntered.countDown();
        CountDownLatch g = pwriteGate;
        try {
            if (g != null) {
                g.await();
            }
            if (pwriteDelayMs > 0) {
                Thread.sleep(pwriteDelayMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return LIBC.pwrite(fd, address, length, offset);
    }

    @Override
    public long write(int fd, long address, long length) {
        writes.incrementAndGet();
        pass(writeGate);
        return LIBC.write(fd, address, length);
    }

    @Override
    public int fdatasync(int fd) {
        fdatasyncs.incrementAndGet();
        return LIBC.fdatasync(fd);
    }

    @Override
    public int fsync(int fd) {
        fsyncs.incrementAndGet();
        return LIBC.fsync(fd);
    }
}
