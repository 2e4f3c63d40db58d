package dev.keel.aio;

import dev.keel.aio.conformance.AioConformanceSuite;
import dev.keel.aio.conformance.CountingSyscalls;
import dev.keel.aio.threads.ThreadsBackend;

/** The conformance suite on the threads backend, with syncs counted at the native-call boundary. */
class ThreadsConformanceTest extends AioConformanceSuite {
    private final CountingSyscalls syscalls = new CountingSyscalls();
    private final ThreadsBackend backend = new ThreadsBackend(syscalls);

    @Override
    protected AioBackend backend() {
        return backend;
    }

    /** Certain: a file's appends wait in its queue while the gate holds the worker's write. */
    @Override
    protected String whyNoCancelIsCertain() {
        return null;
    }

    @Override
    protected AutoCloseable holdWrites() {
        syscalls.closeGateForAllWrites();
        return syscalls::openGate;
    }

    @Override
    protected long nativeSyncs(AioContext context, SyncMode mode) {
        return mode == SyncMode.DATA ? syscalls.fdatasyncs.get() : syscalls.fsyncs.get();
    }
}
