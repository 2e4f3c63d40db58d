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

    /**
     * glibc queues a file's requests for its own threads and this backend never cancels the head
     * of that queue (glibc 2.36 strands its successors); a later request is canceled only while
     * glibc's thread has not reached it, which nothing here can hold without timing.
     */
    @Override
    protected String whyNoCancelIsCertain() {
        return "glibc's own threads run the queue: whether a request is still queued when cancel"
            + " runs depends on their progress, and the head is never canceled";
    }
}
