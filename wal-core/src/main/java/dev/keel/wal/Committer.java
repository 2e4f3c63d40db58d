package dev.keel.wal;

import dev.keel.aio.AioContext;
import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import org.agrona.concurrent.Agent;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;

/**
 * The one thread that writes the log (Aether's group commit): it takes every frame published in
 * the ring (up to {@code maxBatchBytes}, never across more than one segment roll), submits them
 * as one batch of writes followed by the barrier sync through the AIO layer, and keeps the next
 * batch filling while that sync is in flight, up to {@code maxSyncsInFlight} batches. Batches
 * become durable strictly in order: the durable LSN moves to a batch's last LSN only when every
 * request of it and of every batch before it has succeeded; then waiters up to that LSN are
 * woken, in LSN order. No artificial delay: a batch is whatever was published when the previous
 * one left. Whoever holds {@link WriteLeadership} runs this: the committer thread, or a lone
 * appender leading its own group ({@link #lead}).
 *
 * <pre>
 *   batch = [ seal old segment (FILE sync), header of new segment ]   only at a roll
 *           [ write piece 1, write piece 2 ]                           ring is cut at its end
 *           [ sync DATA | FILE ]                                       per durability mode
 *
 *   DIRECT: [ seal, header ]  [ one write: staged frames + VOID pad to the block ]  [ sync ]
 * </pre>
 *
 * With DIRECT segments ({@link DirectLayout}) the frames are staged into the batch's aligned
 * buffer and padded, the committer decides rolls, and up to {@code maxSyncsInFlight} batches
 * leave as soon as they have frames (each is durable on its own completion; the durable LSN
 * still advances only over the contiguous prefix of completed batches).
 *
 * What goes into a batch, and where in the segments, is {@link BatchBuilder}'s (the one walk of
 * the ring, the one write position); this class decides when a batch leaves, who submits it, and
 * what its completions mean.
 *
 * Fail-stop: a request that fails (or writes short) fails the log with its errno and path; no
 * request is retried and no later batch is acknowledged.
 */
final class Committer implements Agent {
    private static final long SPIN_NS = 20_000;
    private static final long BLOCK_NS = 100_000_000;

    private final LogState state;
    private final AioContext ctx;
    private final Durability durability;
    private final int maxSyncsInFlight;
    private final WalMetrics metrics;
    private final ArrayDeque<InFlightBatch> inFlight = new ArrayDeque<>();
    private final ArrayDeque<InFlightBatch> spare = new ArrayDeque<>();
    /** The batch the walk fills; not in flight, not spare. */
    private InFlightBatch building;
    private final AioRequest[] completions;
    private final AckQueue.Batch ready = new AckQueue.Batch();

    /** The walk of the ring and the write position in the segments. */
    private final BatchBuilder builder;
    private volatile boolean stopRequested;

    Committer(LogState state, AioContext ctx, Segments segments, Durability durability, int maxBatchBytes,
              int maxSyncsInFlight, WalMetrics metrics, long tailSegmentIndex, NativeFile tailFile,
              long tailOffset, long tailSegmentBytes, long lastLsn, DirectLayout direct) {
        this.state = state;
        this.ctx = ctx;
        this.durability = durability;
        this.maxSyncsInFlight = maxSyncsInFlight;
        this.metrics = metrics;
        this.completions = new AioRequest[maxSyncsInFlight * InFlightBatch.MAX_REQUESTS];
        for (int i = 0; i < maxSyncsInFlight; i++) {
            spare.add(new InFlightBatch());
        }
        this.building = new InFlightBatch();
        this.builder = new BatchBuilder(state, segments, durability, maxBatchBytes, tailSegmentIndex, tailFile, tailOffset,
            tailSegmentBytes, lastLsn, direct);
        building.reset();
    }

    @Override
    public String roleName() {
        return "keel-wal-committer";
    }

    @Override
    public void onStart() {
        state.committerThread = Thread.currentThread();
    }

    @Override
    public void onClose() {
        if (state.leadership.isHeldByCurrentThread()) {
            state.leadership.release();
        }
    }

    /**
     * One pass, holding write leadership (taken here when free; a lone appender may hold it):
     * reap what completed (moving the durable LSN), submit the next batch, and only then wake
     * the appenders whose records became durable. Waking dozens of threads costs a futex call
     * each; doing it after the submit lets the next sync run meanwhile.
     */
    @Override
    public int doWork() throws Exception {
        // Leadership is taken only for work: a committer that woke with nothing to do must not
        // hold it while a lone appender arrives.
        if (!state.leadership.isHeldByCurrentThread() && (!hasPublished() || !state.leadership.tryAcquire())) {
            return 0;
        }
        int work = reap(ctx.poll(completions, completions.length));
        if (state.failure == null) {
            work += submitBatch(false);
        }
        if (ready.size > 0) {
            ready.complete(null);
            work++;
        }
        return work;
    }

    /** True when everything published has been made durable and nothing is in flight. */
    boolean drained() {
        return inFlight.isEmpty() && !builder.publishedAhead() && !building.hasContent();
    }

    /**
     * Called by the idle strategy when a pass found nothing to do. With batches in flight it
     * waits on the completion port; with nothing in flight it gives up leadership and parks, so
     * that a lone appender can lead.
     */
    void idle() throws IOException {
        if (!state.leadership.isHeldByCurrentThread()) {
            parkUntilWork();
            return;
        }
        long spinUntil = System.nanoTime() + SPIN_NS;
        while (System.nanoTime() < spinUntil) {
            if (!inFlight.isEmpty() ? ctx.inFlight() > 0 && pollOnce() : hasPublished()) {
                return;
            }
            Thread.onSpinWait();
        }
        if (!inFlight.isEmpty()) {
            // Frames published meanwhile wait for this completion (the pipelining rule held
            // them back), so appenders need not wake this wait.
            reap(ctx.await(completions, 1, completions.length, BLOCK_NS));
            return;
        }
        if (!hasPublished()) {
            state.leadership.release();
            parkUntilWork();
        }
    }

    /**
     * Parks until an appender publishes or a leading appender gives leadership back with work
     * left. The flag is set before the last look (and the wakers look at the flag after their
     * publish or release), so a wake-up cannot fall between the look and the park.
     */
    private void parkUntilWork() {
        state.committerWaiting = LogState.COMMITTER_PARKED;
        try {
            VarHandle.fullFence();
            if (!stopRequested && !(state.leadership.isFree() && hasPublished())) {
                LockSupport.parkNanos(this, BLOCK_NS);
            }
        } finally {
            state.committerWaiting = LogState.COMMITTER_RUNNING;
        }
    }

    private boolean pollOnce() throws IOException {
        return reap(ctx.poll(completions, completions.length)) > 0;
    }

    /** Published frames not yet in a submitted batch; racy unless the caller holds leadership. */
    boolean hasPublished() {
        return state.failure == null && (builder.publishedAhead() || building.hasContent());
    }

    /**
     * The lone writer's path (RocksDB's write-group leader): the calling appender holds
     * leadership, found nothing in flight, and drives the write path itself until {@code lsn}
     * is durable: it submits everything published (its own frame and any that arrived before),
     * waits for the completions in the kernel, and moves the durable LSN, with no thread
     * hand-off. Appenders arriving meanwhile cannot take leadership; they wake the committer,
     * which takes over once this leader gives leadership back. Returns early when the log
     * failed, when an earlier frame is not yet published (its appender will lead or wake the
     * committer), or at a segment roll (the committer's); the caller then waits as any
     * appender does.
     */
    void lead(long lsn) {
        assert state.leadership.isHeldByCurrentThread();
        // An interrupt cannot undo the append, and the AIO waits return at once while the flag
        // is set: clear it while leading (no spinning), set it again after.
        boolean interrupted = Thread.interrupted();
        try {
            while (state.durableLsn < lsn && state.failure == null) {
                if (inFlight.isEmpty()) {
                    // Run in this thread (AioContext.submitAndWaitInline): the leader waits anyway, and
                    // a kernel worker would add a wake-up on each side of the sync. The planted
                    // early acknowledgement needs an asynchronous sync to be early against.
                    boolean inline = !PlantedBug.isActive(PlantedBug.ACK_BEFORE_SYNC);
                    if (submitBatch(inline) == 0) {
                        break;
                    }
                    continue;
                }
                reap(ctx.await(completions, 1, completions.length, BLOCK_NS));
                interrupted |= Thread.interrupted();
            }
        } catch (Throwable e) {
            failStop(e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        ready.complete(null);
    }

    void requestStop() {
        stopRequested = true;
        ctx.wakeup();
        Thread t = state.committerThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    // ------------------------------------------------------------------ building a batch

    /**
     * Extends the batch being built over what was published since the last pass (each frame is
     * walked once), and submits it when it may leave: at once when nothing is in flight or the
     * batch is cut (full, or ends at a roll), else only once it is as big as the batch in
     * flight. Pipelining pays only then: a second sync for the first few appenders woken would
     * split them into cohorts that alternate, halving the records per sync (measured with 64
     * appenders: 27 against 56).
     */
    private int submitBatch(boolean inline) throws IOException {
        if (inFlight.size() >= maxSyncsInFlight) {
            return 0;
        }
        InFlightBatch b = building;
        builder.walk(b);
        if (!b.hasContent()) {
            return 0;
        }
        // DIRECT batches are each durable on their own completion: no reason to hold one back.
        if (!builder.direct() && !b.cut && !inFlight.isEmpty() && b.bytes < inFlight.peekLast().bytes) {
            return 0;
        }
        builder.seal(b);
        b.submittedNanos = System.nanoTime();
        inFlight.addLast(b);
        building = spare.pollFirst();
        building.reset();
        if (inline) {
            assert inFlight.size() == 1 : "an inline batch with " + (inFlight.size() - 1) + " batches in flight before it";
            ctx.submitAndWaitInline(b.requests, 0, b.count);
            for (int i = 0; i < b.count; i++) {
                complete(b.requests[i]);
            }
            advance();
        } else {
            submit(b);
        }
        return 1;
    }

    long segmentIndex() {
        return builder.segmentIndex();
    }

    long segmentOffset() {
        return builder.segmentOffset();
    }

    NativeFile segmentFile() {
        return builder.segmentFile();
    }

    private void submit(InFlightBatch b) throws IOException {
        int done = 0;
        while (done < b.count) {
            int n = ctx.submit(b.requests, done, b.count - done);
            done += n;
            if (n == 0) {
                reap(ctx.await(completions, 1, completions.length, BLOCK_NS));
            }
        }
    }

    // ------------------------------------------------------------------ completions

    private int reap(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            complete(completions[i]);
        }
        if (n > 0) {
            advance();
        }
        return n;
    }

    /** Counts one finished request against its batch; a failed one fails the log. */
    private void complete(AioRequest r) {
        InFlightBatch b = (InFlightBatch) r.attachment();
        b.pending--;
        assert b.pending >= 0 : "more completions than requests in a batch";
        if (state.failure == null && !RequestOutcome.succeeded(r)) {
            failStop(RequestOutcome.describe(r));
        }
    }

    /** Moves the durable LSN over every finished batch at the head, then wakes their waiters. */
    private void advance() throws IOException {
        long durable = state.durableLsn;
        boolean moved = false;
        while (!inFlight.isEmpty() && inFlight.peekFirst().pending == 0 && state.failure == null) {
            InFlightBatch b = inFlight.pollFirst();
            assert b.lastLsn >= durable : "durable LSN would move back from " + durable + " to " + b.lastLsn;
            assert b.endPosition >= state.ring.head() : "batch ending at " + b.endPosition + " retires after the head "
                + state.ring.head() + ": batches retire in order";
            durable = b.lastLsn;
            state.ring.release(b.endPosition);
            metrics.batchDurable(System.nanoTime() - b.submittedNanos, b.lastLsn - state.durableLsn);
            if (b.closeAfter != null) {
                b.closeAfter.close();
            }
            state.durableLsn = durable;
            if (durability != Durability.NONE) {
                state.syncedLsn = durable;
            }
            spare.addLast(b);
            moved = true;
        }
        if (moved) {
            synchronized (state.monitor) {
                state.acks.takeUpTo(durable, ready);
                if (state.spaceWaiters > 0) {
                    state.monitor.notifyAll();
                }
            }
            // The waiters in `ready` are woken by doWork after it has submitted the next batch.
        }
    }

    /** Fails the log: records the cause, releases every waiter with it, submits nothing more. */
    void failStop(Throwable cause) {
        if (state.failure != null) {
            return;
        }
        WalFailedException failure = cause instanceof WalFailedException w ? w
            : new WalFailedException("log failed and stopped at durable LSN " + state.durableLsn + ": " + cause.getMessage()
            + "; nothing after it is acknowledged; close and reopen the log to recover from disk", cause);
        state.failure = failure;
        // Waiters already made durable are completed as such; everyone after gets the failure.
        ready.complete(null);
        synchronized (state.monitor) {
            state.acks.takeUpTo(Long.MAX_VALUE, ready);
            state.monitor.notifyAll();
        }
        ready.complete(failure);
    }

    /** Waits for every request in flight (used when closing a failed log). */
    void drainInFlight() throws IOException {
        while (ctx.inFlight() > 0) {
            reap(ctx.await(completions, 1, completions.length, BLOCK_NS));
        }
    }
}
