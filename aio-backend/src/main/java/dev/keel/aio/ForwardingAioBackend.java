package dev.keel.aio;

import java.util.Objects;

/**
 * A backend that opens its contexts on another one and hands them out wrapped: the base of
 * wrappers that watch or rewrite what passes (a {@link FaultInjectingBackend}, a test's probe),
 * as {@link ForwardingAioContext} is for their contexts. It goes by its own name, so a test's
 * wrapper is told apart from what it wraps; whether it runs here and the files it uses are the
 * delegate's, since every request it takes runs there.
 */
public abstract class ForwardingAioBackend implements AioBackend {
    private final String name;
    /** The backend every context is opened on. */
    protected final AioBackend delegate;

    protected ForwardingAioBackend(String name, AioBackend delegate) {
        this.name = Objects.requireNonNull(name, "name");
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public String unavailableReason() {
        return delegate.unavailableReason();
    }

    /** Opens a context on the delegate and returns it {@linkplain #wrap wrapped}. */
    @Override
    public final AioContext open(AioOptions options) throws AioException {
        return wrap(delegate.open(options));
    }

    /** The context handed out over {@code opened}, one the delegate has just opened. */
    protected abstract AioContext wrap(AioContext opened);

    @Override
    public Storage storage() {
        return delegate.storage();
    }
}
