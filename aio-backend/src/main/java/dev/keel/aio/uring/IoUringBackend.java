package dev.keel.aio.uring;

import dev.keel.aio.AioBackend;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioOptions;

/**
 * The io_uring backend (Linux 5.18+): one shared submission ring and one completion ring per
 * context, one io_uring_enter per submitted batch, completions read straight from mapped
 * memory. See {@link IoUringContext} for the design.
 */
public final class IoUringBackend implements AioBackend {
    public static final String NAME = "io_uring";

    /** The probe's answer: the kernel does not change under a running JVM, so it is asked once. */
    private static final class Probe {
        static final String REASON = IoUringRing.probe();
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Null when io_uring_setup works here with the flags and features this backend needs, else
     * one line such as {@code io_uring_setup: EPERM (1) (disabled by seccomp or
     * kernel.io_uring_disabled)}. Probed once per JVM (a 4-entry ring, set up and closed).
     */
    @Override
    public String unavailableReason() {
        return Probe.REASON;
    }

    @Override
    public AioContext open(AioOptions options) throws AioException {
        return new IoUringContext(options);
    }
}
