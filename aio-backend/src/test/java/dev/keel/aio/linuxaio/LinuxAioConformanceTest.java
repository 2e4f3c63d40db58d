package dev.keel.aio.linuxaio;

import dev.keel.aio.AioContext;
import dev.keel.aio.AioOptions;
import dev.keel.aio.conformance.AioConformanceSuite;

import java.io.IOException;

/** The conformance suite, unchanged, on Linux native AIO with the real system calls. */
class LinuxAioConformanceTest extends AioConformanceSuite {
    private final LinuxAioBackend backend = new LinuxAioBackend();

    @Override
    protected String backendName() {
        return LinuxAioBackend.NAME;
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
