package dev.keel.aio;

/**
 * A context that hands every call to another one: the base of wrappers that watch or rewrite
 * what passes (a {@link FaultInjectingBackend}'s context, a test's disk model), so each overrides
 * only the calls it changes.
 */
public abstract class ForwardingAioContext implements AioContext {
    /** The context every call goes to. */
    protected final AioContext delegate;

    protected ForwardingAioContext(AioContext delegate) {
        this.delegate = delegate;
    }

    @Override
    public String backendName() {
        return delegate.backendName();
    }

    @Override
    public AioLimits limits() {
        return delegate.limits();
    }

    @Override
    public int submit(AioRequest[] batch, int from, int count) throws AioException {
        return delegate.submit(batch, from, count);
    }

    @Override
    public int submitAndWait(AioRequest[] batch, int from, int count) throws AioException {
        return delegate.submitAndWait(batch, from, count);
    }

    @Override
    public int submitAndWaitInline(AioRequest[] batch, int from, int count) throws AioException {
        return delegate.submitAndWaitInline(batch, from, count);
    }

    @Override
    public int await(AioRequest[] out, int min, int max, long timeoutNs) throws AioException {
        return delegate.await(out, min, max, timeoutNs);
    }

    @Override
    public int poll(AioRequest[] out, int max) throws AioException {
        return delegate.poll(out, max);
    }

    @Override
    public void wakeup() {
        delegate.wakeup();
    }

    @Override
    public CancelResult cancel(AioRequest request) throws AioException {
        return delegate.cancel(request);
    }

    @Override
    public int inFlight() {
        return delegate.inFlight();
    }

    @Override
    public long count(AioCounter counter) {
        return delegate.count(counter);
    }

    @Override
    public Storage storage() {
        return delegate.storage();
    }

    @Override
    public void close() throws AioException {
        delegate.close();
    }
}
