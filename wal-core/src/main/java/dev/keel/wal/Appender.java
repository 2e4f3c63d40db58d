package dev.keel.wal;

import dev.keel.aio.AioContext;
import dev.keel.recovery.format.FrameCodec;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.format.SegmentHeaderDescriptor;

import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.PointerBytesStore;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

/**
 * The appenders' side. Under the log's monitor, only what must be serial: LSN assignment,
 * segment assignment (rolls), ring reservation and the waiter's place in the ack queue. The copy
 * of the payload, its CRC32C and the publish happen after the monitor is released (Agrona's and
 * Aeron's claim, then commit), so 64 appenders copy and checksum in parallel instead of in turn.
 *
 * <pre>
 *   monitor held:   reserve ring slot, LSN n, salt of segment s, ack entry   (tens of ns)
 *   monitor free:   copy payload -> seal header + CRC -> publish length word (release store)
 * </pre>
 *
 * Frames may be published out of LSN order; the committer's walk stops at the first one not yet
 * published, so it still consumes (and acknowledges) them in LSN order.
 *
 * <p>The appenders own the segment position: a frame that does not fit in what is left of the
 * current segment starts the next one, announced to the committer by a roll marker in the ring
 * ({@link LogBuffer#ROLL_WORD}), so a record never spans segments. Waiting for durability
 * happens after the monitor is released: a short spin, then park until the committer unparks
 * this thread (or a failure is published).
 */
final class Appender {
    /**
     * How long a blocking appender spins before it parks, when no sync stands between it and
     * durability (NONE): a write completes in microseconds. With a sync in the way (100 us or
     * more here) spinning cannot win and only takes CPU from the committer and the other
     * appenders (64 spinning threads on 2 cores halved throughput), so those modes park at once.
     */
    private static final long SPIN_NS_WITHOUT_SYNC = 20_000;
    private static final long PARK_NS = 10_000_000;
    private static final long SPACE_WAIT_MS = 10;

    private final LogState state;
    private final Segments segments;
    private final AioContext ctx;
    private final WalMetrics metrics;
    /** The size of the segments this log creates from now on (the options'). */
    private final long segmentBytes;
    private final long logId;
    private final long spinNs;
    /** Each appending thread's codec (its own CRC32C) and claim; allocated once per thread. */
    private final ThreadLocal<Claim> claims;

    /** Guarded by the monitor. */
    private long nextLsn;
    private long segmentIndex;
    private long segmentOffset;
    /**
     * The active segment's own size: the one it was created with, which its header records.
     * Options may have changed since (a reopen), and a segment never grows past its size.
     */
    private long activeSegmentBytes;
    /**
     * DIRECT segments: the committer owns the file position (it pads each batch to a block) and
     * decides rolls; appenders never roll and stamp the salt it publishes.
     */
    private final boolean directIo;
    private int salt;
    private boolean closed;
    /** The point-read index of the segment being appended to (null before the first segment). */
    private RecordOffsets tailOffsets;

    Appender(LogState state, Segments segments, AioContext ctx, WalMetrics metrics, long segmentBytes, long nextLsn,
             long segmentIndex, long segmentOffset, long activeSegmentBytes, Durability durability, boolean directIo) {
        this.directIo = directIo;
        this.spinNs = durability == Durability.NONE ? SPIN_NS_WITHOUT_SYNC : 0;
        this.state = state;
        this.segments = segments;
        this.ctx = ctx;
        this.metrics = metrics;
        this.segmentBytes = segmentBytes;
        this.logId = segments.logId();
        this.nextLsn = nextLsn;
        this.segmentIndex = segmentIndex;
        this.segmentOffset = segmentOffset;
        this.activeSegmentBytes = directIo ? Long.MAX_VALUE : activeSegmentBytes;
        this.salt = FrameDescriptor.salt(logId, segmentIndex);
        this.claims = ThreadLocal.withInitial(() -> new Claim(new FrameCodec(state.ring.memory())));
        this.tailOffsets = offsetsOf(segmentIndex);
    }

    private RecordOffsets offsetsOf(long index) {
        Segments.Ref ref = segments.byIndex(index);
        return ref == null ? null : ref.offsets();
    }

    /** What one thread claimed under the monitor and completes outside it. */
    private static final class Claim {
        final FrameCodec codec;
        /**
         * A Chronicle view of the ring region a BytesStore payload is copied into; created on
         * first use so that logs never given a BytesStore never load Chronicle.
         */
        PointerBytesStore ringView;
        int idx;
        long lsn;
        int salt;

        Claim(FrameCodec codec) {
            this.codec = codec;
        }
    }

    /**
     * Frames and publishes one record (or marker), registers {@code ackTarget} (a Thread or a
     * future; null for none) for its LSN, and returns the LSN. Exactly one of {@code array} and
     * {@code buffer} is used.
     */
    long append(byte[] array, ByteBuffer buffer, int length, short type, Object ackTarget) throws WalFailedException {
        return append(array, buffer, null, length, type, ackTarget);
    }

    /**
     * As above, with a Chronicle {@code BytesStore} as a third possible source (its readable
     * bytes). A byte array or a buffer cannot fail to copy once its bounds are checked here, so
     * it is copied outside the monitor; a BytesStore can (a released store throws), and a failed
     * copy must not leave a hole in the LSNs, so it is copied under the monitor, before its LSN
     * is assigned, and a failure fills its slot with a skippable VOID frame that uses no LSN.
     */
    long append(byte[] array, ByteBuffer buffer, BytesStore<?, ?> store, int length, short type, Object ackTarget)
        throws WalFailedException {
        int frameBytes = FrameDescriptor.frameBytes(length);
        int srcIndex = buffer == null ? 0 : buffer.position();
        if (buffer != null && (long) srcIndex + length > buffer.capacity()) {
            throw new IllegalArgumentException("payload buffer changed while appending: position " + srcIndex + " + "
                + length + " bytes exceeds its capacity " + buffer.capacity());
        }
        Claim c = claims.get();
        synchronized (state.monitor) {
            c.idx = reserve(frameBytes);
            c.salt = currentSalt();
            if (store != null) {
                copyStoreOrVoid(c, store, length, frameBytes);
            }
            c.lsn = type == FrameDescriptor.TYPE_RECORD ? nextLsn++ : nextLsn - 1;
            if (ackTarget != null) {
                state.acks.add(ackTarget, c.lsn);
            }
            if (type == FrameDescriptor.TYPE_RECORD) {
                metrics.appended(length);
                indexRecord(c.lsn, frameBytes);
            }
        }
        if (array != null) {
            state.ring.buffer().putBytes(c.idx + FrameDescriptor.HEADER_BYTES, array, 0, length);
        } else if (buffer != null && length > 0) {
            state.ring.buffer().putBytes(c.idx + FrameDescriptor.HEADER_BYTES, buffer, srcIndex, length);
        }
        publish(c, length, c.lsn, type, (short) 0);
        return c.lsn;
    }

    /** Under the monitor, just after {@link #reserve}: the record's frame starts {@code frameBytes} before the position. */
    private void indexRecord(long lsn, int frameBytes) {
        if (directIo) {
            return; // the committer places records in DIRECT segments, and indexes them as it does
        }
        assert tailOffsets != null : "a record before any segment";
        tailOffsets.add(lsn, segmentOffset - frameBytes);
    }

    /**
     * Frames and publishes {@code payloads} (each one's remaining bytes) as one atomic batch:
     * consecutive LSNs, no other record between them (another appender waits while a batch
     * waits for ring room), and {@link FrameDescriptor#FLAG_BATCH_CONTINUES} on every record but
     * the last, which is how opening recognises a batch cut by a crash. Registers
     * {@code ackTarget} for the last LSN and returns it. Each frame is copied and published
     * under the monitor, as it is reserved: a batch larger than the free ring waits for the
     * committer to drain its first frames, which it can only do once they are published.
     */
    long appendBatch(ByteBuffer[] payloads, Object ackTarget) throws WalFailedException {
        Claim c = claims.get();
        long last;
        synchronized (state.monitor) {
            while (state.batchOwner != null) {
                waitForSpace();
            }
            state.batchOwner = Thread.currentThread();
            try {
                for (int i = 0; i < payloads.length; i++) {
                    ByteBuffer p = payloads[i];
                    int length = p.remaining();
                    int frameBytes = FrameDescriptor.frameBytes(length);
                    c.idx = reserve(frameBytes);
                    c.salt = currentSalt();
                    c.lsn = nextLsn++;
                    indexRecord(c.lsn, frameBytes);
                    state.ring.buffer().putBytes(c.idx + FrameDescriptor.HEADER_BYTES, p, p.position(), length);
                    publish(c, length, c.lsn, FrameDescriptor.TYPE_RECORD,
                        i < payloads.length - 1 ? FrameDescriptor.FLAG_BATCH_CONTINUES : 0);
                    metrics.appended(length);
                    wakeCommitter();
                }
                last = nextLsn - 1;
                if (ackTarget != null) {
                    state.acks.add(ackTarget, last);
                }
            } finally {
                state.batchOwner = null;
                state.monitor.notifyAll();
            }
        }
        wakeCommitter();
        return last;
    }

    /** Under the monitor: copies a BytesStore into the claimed slot, or voids the slot if the copy throws. */
    private void copyStoreOrVoid(Claim c, BytesStore<?, ?> store, int length, int frameBytes) {
        boolean copied = false;
        try {
            if (c.ringView == null) {
                c.ringView = new PointerBytesStore();
            }
            // copyTo works for heap and native stores alike (HeapBytesStore.nativeRead does not).
            c.ringView.set(state.ring.address() + c.idx + FrameDescriptor.HEADER_BYTES, length);
            store.copyTo(c.ringView);
            copied = true;
        } finally {
            if (!copied) {
                // The space is reserved and the committer will reach it: fill it with a
                // skippable VOID frame, never leave a hole that would stall the log.
                state.ring.buffer().setMemory(c.idx + FrameDescriptor.HEADER_BYTES, length, (byte) 0);
                publish(c, length, nextLsn - 1, FrameDescriptor.TYPE_VOID, (short) 0);
            }
        }
    }

    /**
     * Seals (header fields, CRC32C) and publishes the frame in the claimed slot; outside the
     * monitor except for a VOID. The unsynced span is read now: the durable LSN only grows, so
     * the value read here is a true lower bound of what was durable when the frame reached disk.
     * It counts from the synced LSN, not the durable one: in NONE mode the durable LSN moves
     * without any sync, and frames must not claim what a power cut would not keep.
     */
    private void publish(Claim c, int length, long lsn, short type, short flags) {
        long durable = state.durableLsn;
        long synced = state.syncedLsn;
        assert lsn >= durable || type != FrameDescriptor.TYPE_RECORD : "LSN " + lsn + " durable before it was published";
        long span = Math.min(0xFFFF_FFFFL, Math.max(0, lsn - synced));
        assert state.ring.buffer().getLongVolatile(c.idx) == 0 : "frame at ring index " + c.idx + " published twice";
        c.codec.seal(c.idx, length, lsn, c.salt, type, flags, (int) span);
        c.codec.publish(c.idx, length);
    }

    /**
     * Reserves ring room for the frame (under the monitor), rolling to a new segment first if it
     * does not fit, and advances the segment position over it.
     */
    private int reserve(int frameBytes) throws WalFailedException {
        while (true) {
            checkUsable();
            if (state.batchOwner != null && state.batchOwner != Thread.currentThread()) {
                waitForSpace(); // a batch is waiting for ring room: nothing may come between its records
                continue;
            }
            if (segmentOffset + frameBytes <= activeSegmentBytes || roll()) {
                int idx = state.ring.reserve(frameBytes);
                if (idx >= 0) {
                    segmentOffset += frameBytes;
                    assert segmentOffset <= activeSegmentBytes : "frame crosses the segment end: " + segmentOffset;
                    return idx;
                }
            }
            waitForSpace();
        }
    }

    /** The salt to stamp: DIRECT, the committer's segment's (it rolls); else this appender's. Under the monitor. */
    private int currentSalt() {
        return directIo ? state.segmentSalt : salt;
    }

    /** Moves to the next segment by a roll marker in the ring; false when the ring has no room for it. */
    private boolean roll() {
        int idx = state.ring.reserve(LogBuffer.ROLL_MARKER_BYTES);
        if (idx < 0) {
            return false;
        }
        state.ring.putRollMarker(idx, segmentIndex + 1, nextLsn, segmentOffset);
        segmentIndex++;
        segmentOffset = SegmentHeaderDescriptor.HEADER_BYTES;
        activeSegmentBytes = segmentBytes;
        salt = FrameDescriptor.salt(logId, segmentIndex);
        tailOffsets = segments.add(segmentIndex, nextLsn).offsets();
        return true;
    }

    private void waitForSpace() {
        state.spaceWaiters++;
        assert state.spaceWaiters > 0;
        try {
            state.monitor.wait(SPACE_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            state.spaceWaiters--;
            assert state.spaceWaiters >= 0 : "space waiters " + state.spaceWaiters;
        }
    }

    private void checkUsable() throws WalFailedException {
        if (state.failure != null) {
            throw state.failure;
        }
        if (closed) {
            throw new WalClosedException("log " + segments.dir() + " is closed");
        }
    }

    /**
     * Wakes the committer if it is parked; the full fence orders our publish (or release of
     * leadership) before the flag read. The flag is cleared so that 64 appenders do not all
     * make the wake-up call. (While batches are in flight the committer waits on the completion
     * port and needs no waking: frames published then wait for that completion anyway.)
     */
    void wakeCommitter() {
        VarHandle.fullFence();
        if (state.committerWaiting == LogState.COMMITTER_PARKED) {
            state.committerWaiting = LogState.COMMITTER_RUNNING;
            LockSupport.unpark(state.committerThread);
        }
    }

    /**
     * The blocking append's wait: when the log is idle (leadership free: the committer has
     * nothing in flight), lead the write group on this thread; else leave it to the committer.
     * After leading, the committer is woken only if frames were left behind (appenders that
     * arrived while this thread was in the kernel): they join the committer's next group.
     */
    void awaitDurableOrLead(long lsn, Committer committer) throws WalFailedException {
        if (state.leadership.tryAcquire()) {
            try {
                committer.lead(lsn);
            } finally {
                state.leadership.release();
            }
            VarHandle.fullFence();
            if (state.committerWaiting == LogState.COMMITTER_PARKED && state.leadership.isFree() && committer.hasPublished()) {
                wakeCommitter();
            }
        } else {
            wakeCommitter();
        }
        awaitDurable(lsn);
    }

    /**
     * Blocks until {@code lsn} is durable, or throws the log's failure. An interrupt cannot undo
     * an append (the record is in the log and will be made durable), so it is remembered, not
     * acted on: the wait goes on without spinning, and the flag is set again before returning.
     */
    void awaitDurable(long lsn) throws WalFailedException {
        long spinUntil = spinNs == 0 ? 0 : System.nanoTime() + spinNs;
        boolean interrupted = false;
        try {
            while (state.durableLsn < lsn) {
                WalFailedException f = state.failure;
                if (f != null) {
                    throw f;
                }
                if (spinUntil != 0 && System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, PARK_NS);
                    interrupted |= Thread.interrupted();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Registers the calling thread to be woken at the last assigned LSN and returns that LSN. */
    long registerSync() throws WalFailedException {
        synchronized (state.monitor) {
            if (state.failure != null) {
                throw state.failure;
            }
            long last = nextLsn - 1;
            if (last > state.durableLsn) {
                state.acks.add(Thread.currentThread(), last);
            }
            return last;
        }
    }

    long lastLsn() {
        synchronized (state.monitor) {
            return nextLsn - 1;
        }
    }

    /** Refuses further appends; returns the last LSN assigned. */
    long close() {
        synchronized (state.monitor) {
            closed = true;
            return nextLsn - 1;
        }
    }

    boolean isClosed() {
        synchronized (state.monitor) {
            return closed;
        }
    }

    /** Reopens appending after a truncation, at a new position (the ring is empty). */
    void resetTo(long nextLsn, long segmentIndex, long segmentOffset, long activeSegmentBytes) {
        synchronized (state.monitor) {
            this.nextLsn = nextLsn;
            this.segmentIndex = segmentIndex;
            this.segmentOffset = segmentOffset;
            this.activeSegmentBytes = directIo ? Long.MAX_VALUE : activeSegmentBytes;
            this.salt = FrameDescriptor.salt(logId, segmentIndex);
            this.tailOffsets = offsetsOf(segmentIndex);
        }
    }

    /**
     * Appends the COMMIT marker a clean close leaves after the last record (bypassing the closed
     * check) and waits until the committer has made it durable. It shares the last record's LSN,
     * so the wait is on its ring position, not on the durable LSN.
     */
    void appendCommitMarker() throws WalFailedException {
        long markerEnd;
        synchronized (state.monitor) {
            boolean wasClosed = closed;
            closed = false;
            try {
                append(null, null, 0, FrameDescriptor.TYPE_COMMIT, null);
            } finally {
                closed = wasClosed;
            }
            markerEnd = state.ring.tail();
        }
        wakeCommitter();
        while (state.ring.head() < markerEnd) {
            if (state.failure != null) {
                throw state.failure;
            }
            LockSupport.parkNanos(this, 50_000);
        }
    }
}
