package dev.keel.wal;

import dev.keel.aio.AioBackend;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioOpcode;
import dev.keel.aio.AioRequest;
import dev.keel.aio.ForwardingAioBackend;
import dev.keel.aio.ForwardingAioContext;
import dev.keel.aio.SyncMode;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend for testing who drives the write path: it records which thread submitted each batch
 * holding a data sync (the log's barrier), and, when a gate is armed, holds the next such submit inside the "kernel" (the
 * submit call) until the test opens the gate, so a test can make other appenders arrive while a
 * leader is in the kernel. Everything else is the delegate's.
 */
final class LeaderProbeBackend extends ForwardingAioBackend {
    /** One write the log submitted: file, offset, length, buffer address. */
    record Write(String file, long offsetBytes, int lengthBytes, long address, boolean inline) {
    }

    /** Every write submitted (not the preparer's zero-fill, which waits for its own), in order. */
    final List<Write> writes = new CopyOnWriteArrayList<>();
    /** Batches the log ran in the calling thread ({@link AioContext#submitAndWaitInline}). */
    final AtomicInteger inlineBatches = new AtomicInteger();
    /** Names of the threads that submitted a batch holding a sync, in order. */
    final List<String> syncSubmitters = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch gate;
    private volatile CountDownLatch held;
    private volatile Thread heldThread;

    LeaderProbeBackend(String name, AioBackend delegate) {
        super(name, delegate);
    }

    /** The next submit holding a sync blocks until {@link #open()}; {@link #awaitHeld()} returns once it does. */
    void arm() {
        held = new CountDownLatch(1);
        gate = new CountDownLatch(1);
    }

    Thread awaitHeld() throws InterruptedException {
        held.await();
        return heldThread;
    }

    void open() {
        CountDownLatch g = gate;
        gate = null;
        if (g != null) {
            g.countDown();
        }
    }

    /** Opens the gate unless {@code expected} is the thread held in it (the test then opens it). */
    void openIfHeldBy(Thread expected) {
        if (heldThread != expected) {
            open();
        }
    }

    /** Every context the log opened through this backend (write, read, preparer), for their counters. */
    final List<AioContext> contexts = new CopyOnWriteArrayList<>();

    @Override
    protected AioContext wrap(AioContext opened) {
        Context c = new Context(opened);
        contexts.add(c);
        return c;
    }

    private void beforeSubmit(AioRequest[] batch, int from, int count, boolean inline) {
        boolean sync = false;
        for (int i = from; i < from + count; i++) {
            AioRequest r = batch[i];
            if (r.opcode() == AioOpcode.WRITE) {
                writes.add(new Write(r.file().path().getFileName().toString(), r.offset(), r.length(), r.address(), inline));
            }
            // The log's durability barrier (FDATASYNC); the segment preparer's FILE syncs are not probed.
            sync |= batch[i].opcode() == AioOpcode.SYNC && batch[i].syncMode() == SyncMode.DATA;
        }
        if (!sync) {
            return;
        }
        syncSubmitters.add(Thread.currentThread().getName());
        CountDownLatch g = gate;
        if (g != null && heldThread == null) {
            heldThread = Thread.currentThread();
            held.countDown();
            try {
                g.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Probes every submit before it goes to the delegate; everything else is the delegate's. */
    private final class Context extends ForwardingAioContext {
        Context(AioContext d) {
            super(d);
        }

        @Override
        public int submit(AioRequest[] batch, int from, int count) throws AioException {
            beforeSubmit(batch, from, count, false);
            return delegate.submit(batch, from, count);
        }

        @Override
        public int submitAndWaitInline(AioRequest[] batch, int from, int count) throws AioException {
            beforeSubmit(batch, from, count, true);
            inlineBatches.incrementAndGet();
            return delegate.submitAndWaitInline(batch, from, count);
        }
    }
}
