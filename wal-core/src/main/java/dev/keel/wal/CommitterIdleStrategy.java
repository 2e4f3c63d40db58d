package dev.keel.wal;

import org.agrona.LangUtil;
import org.agrona.concurrent.IdleStrategy;

/**
 * The committer's idle: not a sleep but a wait on the AIO completion port, which returns at a
 * completion or when an appender wakes it ({@code AioContext.wakeup}).
 */
final class CommitterIdleStrategy implements IdleStrategy {
    private final Committer committer;

    CommitterIdleStrategy(Committer committer) {
        this.committer = committer;
    }

    @Override
    public void idle(int workCount) {
        if (workCount == 0) {
            idle();
        }
    }

    @Override
    public void idle() {
        try {
            committer.idle();
        } catch (Exception e) {
            LangUtil.rethrowUnchecked(e);
        }
    }

    @Override
    public void reset() {
    }
}
