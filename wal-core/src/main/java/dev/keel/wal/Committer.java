package dev.keel.wal;

import dev.keel.aio.AddressOf;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioOpcode;
import dev.keel.aio.AioRequest;
import dev.keel.aio.Errno;
import dev.keel.aio.NativeFile;
import dev.keel.aio.SyncMode;
import dev.keel.recovery.FrameDescriptor;
import dev.keel.recovery.SegmentHeaderDescriptor;
import org.agrona.BufferUtil;
import org.agrona.concurrent.Agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The one thread that writes the log (Aether's group commit): it takes every frame published in
 * the ring (up to {@code maxBatchBytes}, never across more than one segment roll), submits them
 * as one batch of writes followed by the barrier sync through the AIO layer, and keeps the next
 * batch filling while that sync is in flight, up to {@code maxSyncsInFlight} batches. Batches
 * become durable strictly in order: the durable LSN moves to a batch's last LSN only when every
 * request of it and of every batch before it has succeeded; then waiters up to that LSN are
 * woken, in LSN order. No artificial delay: a batch is whatever was published when the previous
 * one left.
 *
 * <pre>
 *   batch = [ seal old segment (FILE sync), header of new segment ]   only at a roll
 *           [ write piece 1, write piece 2 ]                           ring is cut at its end
 *           [ sync DATA | FILE ]                                       per durability mode
 * </pre>
 *
 * Fail-stop: a request that fails (or writes short) fails the log with its errno and path; no
 * request is retried and no later batch is acknowledged.
 */
final class Committer implements Agent {
    private static final int MAX_REQUESTS_PER_BATCH = 6;
    private static final long SPIN_NS = 20_000;
    private static final long BLOCK_NS = 100_000_000;

    private final LogState state;
    private final AioContext ctx;
    private final Segments segments;
    private final Durability durability;
    private final int maxBatchBytes;
    private final int maxSyncsInFlight;
    private final WalMetrics metrics;
    private final ArrayDeque<InFlightBatch> inFlight = new ArrayDeque<>();
    private final ArrayDeque<InFlightBatch> spare = new ArrayDeque<>();
    private final AioRequest[] completions;
    private final AckQueue.Batch ready = new AckQueue.Batch();

    private long scanPosition;
    private long segmentIndex;
    private NativeFile segmentFile;
    private long segmentOffset;
    private long lastLsnSeen;
    /** The segment whose successor was last asked for, so it is asked once. */
    private long preparedAheadFor = -1;
    private volatile boolean stopRequested;

    Committer(LogState state, AioContext ctx, Segments segments, Durability durability, int maxBatchBytes,
              int maxSyncsInFlight, WalMetrics metrics, long tailSegmentIndex, NativeFile tailFile,
              long tailOffset, long lastLsn) {
        this.state = state;
        this.ctx = ctx;
        this.segments = segments;
        this.durability = durability;
        this.maxBatchBytes = maxBatchBytes;
        this.maxSyncsInFlight = maxSyncsInFlight;
        this.metrics = metrics;
        this.completions = new AioRequest[maxSyncsInFlight * MAX_REQUESTS_PER_BATCH];
        for (int i = 0; i < maxSyncsInFlight; i++) {
            spare.add(new InFlightBatch());
        }
        this.segmentIndex = tailSegmentIndex;
        this.segmentFile = tailFile;
        this.segmentOffset = tailOffset;
        this.lastLsnSeen = lastLsn;
    }

    @Override
    public String roleName() {
        return "keel-wal-committer";
    }

    /**
     * One pass: reap what completed (moving the durable LSN), submit the next batch, and only
     * then wake the appenders whose records became durable. Waking dozens of threads costs
     * a futex call each; doing it after the submit lets the next sync run meanwhile.
     */
    @Override
    public int doWork() throws Exception {
        int work = reap(ctx.poll(completions, completions.length));
        if (state.failure == null) {
            work += submitBatch();
        }
        if (ready.size > 0) {
            ready.complete(null);
            work++;
        }
        return work;
    }

    /** True when everything published has been made durable and nothing is in flight. */
    boolean drained() {
        return inFlight.isEmpty() && state.ring.wordAt(scanPosition) == 0;
    }

    /** Called by the idle strategy when a pass found nothing to do. */
    void idle() throws IOException {
        long spinUntil = System.nanoTime() + SPIN_NS;
        while (System.nanoTime() < spinUntil) {
            if (!inFlight.isEmpty() ? ctx.inFlight() > 0 && pollOnce() : hasPublished()) {
                return;
            }
            Thread.onSpinWait();
        }
        if (!inFlight.isEmpty()) {
            reap(ctx.await(completions, 1, completions.length, BLOCK_NS));
            return;
        }
        state.committerSleeping = true;
        try {
            if (!hasPublished() && !stopRequested) {
                reap(ctx.await(completions, 1, completions.length, BLOCK_NS));
            }
        } finally {
            state.committerSleeping = false;
        }
    }

    private boolean pollOnce() throws IOException {
        return reap(ctx.poll(completions, completions.length)) > 0;
    }

    private boolean hasPublished() {
        return state.failure == null && state.ring.wordAt(scanPosition) != 0;
    }

    void requestStop() {
        stopRequested = true;
        ctx.wakeup();
    }

    // ------------------------------------------------------------------ building a batch

    private int submitBatch() throws IOException {
        if (inFlight.size() >= maxSyncsInFlight) {
            return 0;
        }
        if (!inFlight.isEmpty() && !publishedAtLeast(inFlight.peekLast().bytes)) {
            // Pipelining pays only with a batch as big as the one in flight: a second sync for
            // the first few appenders woken would split them into cohorts that alternate,
            // halving the records per sync (measured with 64 appenders: 27 against 56).
            return 0;
        }
        InFlightBatch b = spare.peekFirst();
        b.reset();
        long pos = scanPosition;
        int capacity = state.ring.capacity();
        long pieceStart = -1;
        long pieceFileOffset = 0;
        int pieceBytes = 0;
        long batchBytes = 0;
        while (batchBytes < maxBatchBytes) {
            long word = state.ring.wordAt(pos);
            if (word == 0) {
                break;
            }
            if (word == LogBuffer.PAD_WORD) {
                addWrite(b, pieceStart, pieceFileOffset, pieceBytes);
                pieceStart = -1;
                pieceBytes = 0;
                pos += capacity - LogBuffer.index(pos, capacity);
                continue;
            }
            if (state.rolls.nextPosition() == pos) {
                if (batchBytes > 0 || b.count > 0) {
                    break;
                }
                roll(b);
            }
            int frameBytes = FrameDescriptor.frameBytes((int) word);
            if (pieceStart < 0) {
                pieceStart = pos;
                pieceFileOffset = segmentOffset;
            }
            pieceBytes += frameBytes;
            long lsn = state.ring.buffer().getLong(LogBuffer.index(pos, capacity) + FrameDescriptor.LSN_OFFSET);
            lastLsnSeen = Math.max(lastLsnSeen, lsn);
            segmentOffset += frameBytes;
            pos += frameBytes;
            batchBytes += frameBytes;
        }
        addWrite(b, pieceStart, pieceFileOffset, pieceBytes);
        if (b.count == 0 && pos == scanPosition) {
            return 0;
        }
        addSync(b, segmentFile, durability == Durability.FSYNC ? SyncMode.FILE : SyncMode.DATA, true);
        if (segmentOffset > segments.segmentBytes() / 2 && preparedAheadFor != segmentIndex) {
            preparedAheadFor = segmentIndex;
            segments.prepareAhead(segmentIndex + 1);
        }
        b.endPosition = pos;
        b.bytes = batchBytes;
        b.lastLsn = lastLsnSeen;
        b.submittedNanos = System.nanoTime();
        submit(b);
        spare.pollFirst();
        inFlight.addLast(b);
        scanPosition = pos;
        return 1;
    }

    /** True when frames of at least {@code bytes} are published after the scan position. */
    private boolean publishedAtLeast(long bytes) {
        long pos = scanPosition;
        long seen = 0;
        int capacity = state.ring.capacity();
        while (seen < bytes && seen < maxBatchBytes) {
            long word = state.ring.wordAt(pos);
            if (word == 0) {
                return false;
            }
            if (word == LogBuffer.PAD_WORD) {
                pos += capacity - LogBuffer.index(pos, capacity);
                continue;
            }
            int frameBytes = FrameDescriptor.frameBytes((int) word);
            seen += frameBytes;
            pos += frameBytes;
        }
        return true;
    }

    private void addWrite(InFlightBatch b, long ringPosition, long fileOffset, int bytes) {
        if (ringPosition < 0 || bytes == 0) {
            return;
        }
        long address = state.ring.address() + LogBuffer.index(ringPosition, state.ring.capacity());
        b.next().prepareWrite(segmentFile, fileOffset, address, bytes).attachment(b);
    }

    private void addSync(InFlightBatch b, NativeFile file, SyncMode mode, boolean durabilitySync) {
        boolean needed = durabilitySync
            ? durability == Durability.FDATASYNC || durability == Durability.FSYNC
            : durability != Durability.NONE;
        if (needed) {
            b.next().prepareSync(file, mode).attachment(b);
        }
    }

    /** Moves to the next segment: seal the old one, write the new one's header. */
    private void roll(InFlightBatch b) throws IOException {
        long newIndex = state.rolls.nextSegmentIndex();
        long firstLsn = state.rolls.nextFirstLsn();
        state.rolls.pop();
        if (segmentFile != null) {
            addSync(b, segmentFile, SyncMode.FILE, false);
            b.closeAfter = segmentFile;
        }
        segmentFile = segments.openForWrite(newIndex);
        segmentIndex = newIndex;
        segments.encodeHeader(b.header, newIndex, firstLsn);
        b.next().prepareWrite(segmentFile, 0, b.headerAddress(), SegmentHeaderDescriptor.HEADER_BYTES).attachment(b);
        segmentOffset = SegmentHeaderDescriptor.HEADER_BYTES;
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

    long segmentIndex() {
        return segmentIndex;
    }

    long segmentOffset() {
        return segmentOffset;
    }

    NativeFile segmentFile() {
        return segmentFile;
    }

    // ------------------------------------------------------------------ completions

    private int reap(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            AioRequest r = completions[i];
            InFlightBatch b = (InFlightBatch) r.attachment();
            b.pending--;
            if (state.failure == null && !succeeded(r)) {
                failStop(describe(r));
            }
        }
        if (n > 0) {
            advance();
        }
        return n;
    }

    private static boolean succeeded(AioRequest r) {
        int res = r.result();
        return r.opcode() == AioOpcode.SYNC ? res == 0 : res == r.length();
    }

    private static AioException describe(AioRequest r) {
        int res = r.result();
        String op = r.opcode() == AioOpcode.SYNC ? (r.syncMode() == SyncMode.DATA ? "fdatasync" : "fsync") : "pwrite";
        if (res >= 0) {
            return new AioException(op, r.file().path(), Errno.EIO.value(),
                "short write: " + res + " of " + r.length() + " bytes at offset " + r.offset());
        }
        Errno e = Errno.of(-res);
        if (e.isOutOfSpace()) {
            // Segments are preallocated, so this is a copy-on-write or thin-provisioned device: say where, and how much.
            String needed = r.opcode() == AioOpcode.SYNC ? "a sync" : r.length() + " bytes at offset " + r.offset();
            return new AioException(op, r.file().path(), -res, "no space left in " + r.file().path().getParent()
                + " for " + needed + " of a preallocated segment; free space on that device, then reopen the log");
        }
        return new AioException(op, r.file().path(), -res,
            r.opcode() == AioOpcode.SYNC ? "not retried: the kernel may have dropped the data" : null);
    }

    /** Moves the durable LSN over every finished batch at the head, then wakes their waiters. */
    private void advance() throws IOException {
        long durable = state.durableLsn;
        boolean moved = false;
        while (!inFlight.isEmpty() && inFlight.peekFirst().pending == 0 && state.failure == null) {
            InFlightBatch b = inFlight.pollFirst();
            durable = b.lastLsn;
            state.ring.release(b.endPosition);
            metrics.batchDurable(System.nanoTime() - b.submittedNanos, b.lastLsn - state.durableLsn);
            if (b.closeAfter != null) {
                b.closeAfter.close();
            }
            state.durableLsn = durable;
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

    /** A batch in flight and the requests it was made of; pooled. */
    static final class InFlightBatch {
        final AioRequest[] requests = new AioRequest[MAX_REQUESTS_PER_BATCH];
        final ByteBuffer header = BufferUtil.allocateDirectAligned(SegmentHeaderDescriptor.HEADER_BYTES, 4096);
        int count;
        int pending;
        long endPosition;
        long bytes;
        long lastLsn;
        long submittedNanos;
        NativeFile closeAfter;

        InFlightBatch() {
            for (int i = 0; i < requests.length; i++) {
                requests[i] = new AioRequest();
            }
        }

        AioRequest next() {
            pending++;
            return requests[count++];
        }

        long headerAddress() {
            return AddressOf.buffer(header);
        }

        void reset() {
            count = 0;
            pending = 0;
            closeAfter = null;
        }
    }
}
