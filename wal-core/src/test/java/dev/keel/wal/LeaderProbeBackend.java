package dev.keel.wal;

import dev.keel.aio.AioBackend;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioCounter;
import dev.keel.aio.AioException;
import dev.keel.aio.AioLimits;
import dev.keel.aio.AioOpcode;
import dev.keel.aio.AioOptions;
import dev.keel.aio.AioRequest;
import dev.keel.aio.CancelResult;
import dev.keel.aio.SyncMode;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A backend for testing who drives the write path: it records which thread submitted each batch
 * holding a data sync (the log's barrier), and, when a gate is armed, holds the next such submit inside the "kernel" (the
 * submit call) until the test opens the gate, so a test can make other appenders arrive while a
 * leader is in the kernel. Everything else is the delegate's.
 */
final class LeaderProbeBackend implements AioBackend {
    private final String name;
    private final AioBackend delegate;
    /** One write the log submitted: file, offset, length, buffer address. */
    record Write(String file, long offsetBytes, int lengthBytes, long address) {
    }

    /** Every write submitted (not the preparer's zero-fill, which waits for its own), in order. */
    final List<Write> writes = new CopyOnWriteArrayList<>();
    /** Names of the threads that submitted a batch holding a sync, in order. */
    final List<String> syncSubmitters = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch gate;
    private volatile CountDownLatch held;
    private volatile Thread heldThread;

    LeaderProbeBackend(String name, AioBackend delegate) {
        this.name = name;
        this.delegate = delegate;
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

    @Override
    public String name() {
        return name;
    }

    @Override
    public String unavailableReason() {
        return delegate.unavailableReason();
    }

    @Override
    public AioContext open(AioOptions options) throws AioException {
        return new Context(delegate.open(options));
    }

    private void beforeSubmit(AioRequest[] batch, int from, int count) {
        boolean sync = false;
        for (int i = from; i < from + count; i++) {
            AioRequest r = batch[i];
            if (r.opcode() == AioOpcode.WRITE) {
                writes.add(new Write(r.file().path().getFileName().toString(), r.offset(), r.length(), r.address()));
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

    private final class Context implements AioContext {
        private final AioContext d;

        Context(AioContext d) {
            this.d = d;
        }

        @Override
        public String backendName() {
            return d.backendName();
        }

        @Override
        public AioLimits limits() {
            return d.limits();
        }

        @Override
        public int submit(AioRequest[] batch, int from, int count) throws AioException {
            beforeSubmit(batch, from, count);
            return d.submit(batch, from, count);
        }

        @Override
        public int submitAndWait(AioRequest[] batch, int from, int count) throws AioException {
            return d.submitAndWait(batch, from, count);
        }

        @Override
        public int await(AioRequest[] out, int min, int max, long timeoutNs) throws AioException {
            return d.await(out, min, max, timeoutNs);
        }

        @Override
        public int poll(AioRequest[] out, int max) throws AioException {
            return d.poll(out, max);
        }

        @Override
        public void wakeup() {
            d.wakeup();
        }

        @Override
        public CancelResult cancel(AioRequest request) throws AioException {
            return d.cancel(request);
        }

        @Override
        public int inFlight() {
            return d.inFlight();
        }

        @Override
        public long count(AioCounter counter) {
            return d.count(counter);
        }

        @Override
        public void close() throws AioException {
            d.close();
        }
    }
}
