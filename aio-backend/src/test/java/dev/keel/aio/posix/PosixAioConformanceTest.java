package dev.keel.aio.posix;

import dev.keel.aio.AioBackend;
import dev.keel.aio.conformance.AioConformanceSuite;

/**
 * The conformance suite on glibc's POSIX AIO. Syncs are counted by the context where it calls
 * aio_fsync (O_DSYNC for DATA, O_SYNC for FILE); glibc's worker then runs fdatasync or fsync.
 */
class PosixAioConformanceTest extends AioConformanceSuite {
    private final PosixAioBackend backend = new PosixAioBackend();

    @Override
    protected AioBackend backend() {
        return backend;
    }
}
