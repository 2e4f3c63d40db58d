package dev.keel.aio;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend that behaves like another one until told to fail: the next matching request (after
 * a number of successes) completes with an errno (EIO, ENOSPC, ...) or a short transfer instead
 * of what the device said. For testing that a program fails stop and loses nothing it
 * acknowledged: pass the instance in {@link AioOptions#backend(AioBackend)} (or the log's options).
 *
 * <p>The fault is applied when the completion is delivered: the device may in fact have done
 * the work, which is exactly the ambiguity a real EIO after fsync leaves (the data may or may
 * not be there), and what recovery must cope with.
 */
public final class FaultInjectingBackend extends ForwardingAioBackend {
    private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
    private final AtomicInteger injected = new AtomicInteger();

    /** One planned fault. */
    private static final class Fault {
        final AioOpcode opcode;
        final AtomicInteger skip;
        final int result;
        final boolean shortTransfer;

        Fault(AioOpcode opcode, int skip, int result, boolean shortTransfer) {
            this.opcode = opcode;
            this.skip = new AtomicInteger(skip);
            this.result = result;
            this.shortTransfer = shortTransfer;
        }
    }

    public FaultInjectingBackend(String name, AioBackend delegate) {
        super(name, delegate);
    }

    /** After {@code successes} matching requests complete normally, the next fails with {@code errno}. */
    public FaultInjectingBackend failAfter(AioOpcode opcode, int successes, Errno errno) {
        faults.add(new Fault(opcode, successes, -errno.value(), false));
        return this;
    }

    /** After {@code successes} writes, the next reports only half its bytes transferred. */
    public FaultInjectingBackend shortWriteAfter(int successes) {
        faults.add(new Fault(AioOpcode.WRITE, successes, 0, true));
        return this;
    }

    /** Faults delivered so far. */
    public int injected() {
        return injected.get();
    }

    @Override
    protected AioContext wrap(AioContext opened) {
        return new Context(opened);
    }

    void apply(AioRequest r) {
        if (r.state() != RequestState.COMPLETED || r.result() < 0) {
            return;
        }
        for (Fault f : faults) {
            boolean matches = f.opcode == r.opcode() || (f.opcode == AioOpcode.WRITE && r.opcode() == AioOpcode.APPEND);
            if (matches && f.skip.getAndDecrement() == 0) {
                faults.remove(f);
                r.overrideResult(f.shortTransfer ? r.result() / 2 : f.result);
                injected.incrementAndGet();
                return;
            }
        }
    }

    /** Delegates everything, rewriting completions as they are delivered. */
    private final class Context extends ForwardingAioContext {
        Context(AioContext d) {
            super(d);
        }

        @Override
        public int submitAndWait(AioRequest[] batch, int from, int count) throws AioException {
            delegate.submitAndWait(batch, from, count);
            return rewriteWaited(batch, from, count);
        }

        @Override
        public int submitAndWaitInline(AioRequest[] batch, int from, int count) throws AioException {
            delegate.submitAndWaitInline(batch, from, count);
            return rewriteWaited(batch, from, count);
        }

        private int rewriteWaited(AioRequest[] batch, int from, int count) {
            int ok = 0;
            for (int i = from; i < from + count; i++) {
                apply(batch[i]);
                ok += batch[i].result() >= 0 ? 1 : 0;
            }
            return ok;
        }

        @Override
        public int await(AioRequest[] out, int min, int max, long timeoutNs) throws AioException {
            return rewrite(out, delegate.await(out, min, max, timeoutNs));
        }

        @Override
        public int poll(AioRequest[] out, int max) throws AioException {
            return rewrite(out, delegate.poll(out, max));
        }

        private int rewrite(AioRequest[] out, int n) {
            for (int i = 0; i < n; i++) {
                apply(out[i]);
            }
            return n;
        }
    }
}
