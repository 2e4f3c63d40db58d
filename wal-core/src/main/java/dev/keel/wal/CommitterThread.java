package dev.keel.wal;

import dev.keel.aio.AioContext;
import dev.keel.aio.NativeFile;
import org.agrona.concurrent.AgentRunner;

import java.io.IOException;

/**
 * The committer's thread and its lifecycle: started at open, stopped while a change rewrites the
 * log's files (truncateAfter, reset) and started again by that change, stopped for good at close.
 *
 * <pre>
 *   start ─► new Committer at the tail ─► AgentRunner on its own thread
 *   withStopped(change) ─► stop ─► change(tail) ─► (the change restarts it: start) ─► leadership released
 *                                    └ throws ─► the log fails stop with the cause
 *   stop ─► requestStop ─► the thread joined ─► write leadership taken (an appender may be
 *           finishing the group it leads) ─► the committer's tail file
 * </pre>
 *
 * <p>The committer is replaced on every start; appenders read it (volatile) to lead a write group.
 */
final class CommitterThread {
    /** A change to the log's files made with the committer stopped; it restarts the committer last. */
    @FunctionalInterface
    interface StoppedChange {
        void run(NativeFile committerTail) throws IOException;
    }

    private final LogState state;
    private final AioContext ctx;
    private final Segments segments;
    private final WalOptions options;
    private final WalMetrics metrics;
    /** The DIRECT layout, or null for buffered segments. */
    private final DirectLayout direct;
    private volatile Committer committer;
    private AgentRunner runner;

    CommitterThread(LogState state, AioContext ctx, Segments segments, WalOptions options, WalMetrics metrics,
                    DirectLayout direct) {
        this.state = state;
        this.ctx = ctx;
        this.segments = segments;
        this.options = options;
        this.metrics = metrics;
        this.direct = direct;
    }

    /** Starts a committer that continues at the tail: its file (null before the first segment), offset and size. */
    void start(long tailIndex, NativeFile tailFile, long tailOffset, long tailBytes, long lastLsn) {
        committer = new Committer(state, ctx, segments, options.durability(), options.maxBatchBytes(),
            options.maxSyncsInFlight(), metrics, tailIndex, tailFile, tailOffset, tailBytes, lastLsn, direct);
        runner = new AgentRunner(new CommitterIdleStrategy(committer), committer::failStop, null, committer);
        AgentRunner.startOnThread(runner);
    }

    /** The committer now running (replaced on every start). */
    Committer committer() {
        return committer;
    }

    /**
     * Stops the committer (the log must be drained), runs {@code change}, and releases write
     * leadership. When the change fails, the log fails stop with its cause: the committer is not
     * coming back, so an append would wait forever, and close for its commit marker (found: close
     * hung after truncateAfter threw).
     */
    void withStopped(StoppedChange change) throws IOException {
        NativeFile tail = stop();
        try {
            change.run(tail);
        } catch (IOException | RuntimeException | Error e) {
            committer.failStop(e);
            throw e;
        } finally {
            state.leadership.release();
        }
    }

    /** Stops the committer thread and keeps write leadership; returns the committer's tail file. */
    NativeFile stop() {
        committer.requestStop();
        runner.close();
        state.leadership.acquire(); // an appender may still be finishing the group it leads
        return committer.segmentFile();
    }
}
