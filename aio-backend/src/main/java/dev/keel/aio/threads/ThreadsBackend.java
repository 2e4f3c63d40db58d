package dev.keel.aio.threads;

import dev.keel.aio.AioBackend;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioOptions;
import dev.keel.aio.internal.FileSyscalls;

/**
 * The portable backend: worker threads making ordinary system calls, as illumos libc does when
 * kernel AIO is missing. Runs wherever libc does, so it is the last fallback.
 */
public final class ThreadsBackend implements AioBackend {
    public static final String NAME = "threads";

    private final FileSyscalls syscalls;

    public ThreadsBackend() {
        this(FileSyscalls.LIBC);
    }

    /** With other system calls: tests count or fail them at the native-call boundary. */
    public ThreadsBackend(FileSyscalls syscalls) {
        this.syscalls = syscalls;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public AioContext open(AioOptions options) {
        return new ThreadsContext(options, syscalls);
    }
}
