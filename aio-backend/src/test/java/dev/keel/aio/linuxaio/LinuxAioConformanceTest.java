package dev.keel.aio.linuxaio;

import dev.keel.aio.AioBackend;
import dev.keel.aio.conformance.AioConformanceSuite;

/** The conformance suite, unchanged, on Linux native AIO with the real system calls. */
class LinuxAioConformanceTest extends AioConformanceSuite {
    private final LinuxAioBackend backend = new LinuxAioBackend();

    @Override
    protected AioBackend backend() {
        return backend;
    }

    /**
     * Certain: one append per file is in the kernel, the later ones are held in user space until
     * a reap. (The kernel itself never cancels a file iocb: io_cancel answers EINVAL.)
     */
    @Override
    protected String whyNoCancelIsCertain() {
        return null;
    }
}
