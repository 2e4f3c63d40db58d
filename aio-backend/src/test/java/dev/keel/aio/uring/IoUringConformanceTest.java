package dev.keel.aio.uring;

import dev.keel.aio.AioBackend;
import dev.keel.aio.conformance.AioConformanceSuite;

/**
 * The whole conformance suite on io_uring, unchanged. Syncs are counted by the context where it
 * writes the FSYNC SQE (with or without IORING_FSYNC_DATASYNC), the default of the suite.
 */
class IoUringConformanceTest extends AioConformanceSuite {
    private final IoUringBackend backend = new IoUringBackend();

    @Override
    protected AioBackend backend() {
        return backend;
    }

    /** Certain: appends after the one in flight are held in user space until a reap sees its chain complete. */
    @Override
    protected String whyNoCancelIsCertain() {
        return null;
    }
}
