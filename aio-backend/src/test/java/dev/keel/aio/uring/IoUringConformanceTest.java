package dev.keel.aio.uring;

import dev.keel.aio.AioContext;
import dev.keel.aio.AioOptions;
import dev.keel.aio.conformance.AioConformanceSuite;

import java.io.IOException;

/**
 * The whole conformance suite on io_uring, unchanged. Syncs are counted by the context where it
 * writes the FSYNC SQE (with or without IORING_FSYNC_DATASYNC), the default of the suite.
 */
class IoUringConformanceTest extends AioConformanceSuite {
    private final IoUringBackend backend = new IoUringBackend();

    @Override
    protected String backendName() {
        return IoUringBackend.NAME;
    }

    @Override
    protected String unavailableReason() {
        return backend.unavailableReason();
    }

    @Override
    protected AioContext openContext(AioOptions options) throws IOException {
        return backend.open(options);
    }
}
