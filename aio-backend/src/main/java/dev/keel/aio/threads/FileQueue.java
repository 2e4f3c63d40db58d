package dev.keel.aio.threads;

import dev.keel.aio.AioRequest;

import java.util.ArrayDeque;

/**
 * The ordered work of one file descriptor: writes, appends and syncs in submission order.
 * While {@code scheduled}, exactly one worker owns the queue (it is in the run queue or being
 * drained), which is what keeps appends in order and makes a sync wait behind every earlier
 * write. Guarded by the context's dispatch lock; pooled so steady state allocates nothing.
 */
final class FileQueue {
    final ArrayDeque<AioRequest> requests = new ArrayDeque<>();
    int fd = -1;
    boolean scheduled;

    FileQueue reset() {
        requests.clear();
        fd = -1;
        scheduled = false;
        return this;
    }
}
