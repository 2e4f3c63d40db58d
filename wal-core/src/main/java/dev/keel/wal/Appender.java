package dev.keel.wal;

import dev.keel.aio.AioContext;
import dev.keel.recovery.FrameCodec;
import dev.keel.recovery.FrameDescriptor;
import dev.keel.recovery.SegmentHeaderDescriptor;

import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.PointerBytesStore;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

/**
 * The appenders' side: LSN assignment, segment assignment, and the copy into the ring, all in
 * one short critical section on the log's monitor that never covers I/O. A record is framed in
 * the ring exactly as it will lie in its segment; the committer writes it from there.
 *
 * <p>Segment assignment mirrors the committer's walk: a frame that does not fit in what is left
 * of the current segment starts the next one (recorded in the {@link RollQueue}), so a record
 * never spans segments. Waiting for durability happens after the monitor is released: a short
 * spin, then park until the committer unparks this thread (or a failure is published).
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
    private final long segmentBytes;
    private final long logId;
    private final long spinNs;

    /** Guarded by the monitor. */
    private long nextLsn;
    private long segmentIndex;
    private long segmentOffset;
    private int salt;
    private boolean closed;
    /**
     * A Chronicle view of the ring region a BytesStore payload is copied into; created on first
     * use so that logs never given a BytesStore never load Chronicle.
     */
    private PointerBytesStore ringView;

    Appender(LogState state, Segments segments, AioContext ctx, WalMetrics metrics, long segmentBytes, long nextLsn,
             long segmentIndex, long segmentOffset, Durability durability) {
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
        this.salt = FrameDescriptor.salt(logId, segmentIndex);
    }

    /**
     * Frames and publishes one record (or marker), registers {@code ackTarget} (a Thread or a
     * future; null for none) for its LSN, and returns the LSN. Exactly one of {@code array} and
     * {@code buffer} is used.
     */
    long append(byte[] array, ByteBuffer buffer, int length, short type, Object ackTarget) throws WalFailedException {
        return append(array, buffer, null, length, type, ackTarget);
    }

    /** As above, with a Chronicle {@code BytesStore} as a third possible source (its readable bytes). */
    long append(byte[] array, ByteBuffer buffer, BytesStore<?, ?> store, int length, short type, Object ackTarget)
        throws WalFailedException {
        int frameBytes = FrameDescriptor.frameBytes(length);
        long lsn;
        synchronized (state.monitor) {
            int idx = reserve(frameBytes);
            boolean copied = false;
            try {
                copyPayload(idx + FrameDescriptor.HEADER_BYTES, array, buffer, store, length);
                copied = true;
            } finally {
                if (!copied) {
                    // The space is reserved and the committer will reach it: fill it with a
                    // skippable VOID frame, never leave a hole that would stall the log.
                    state.ring.buffer().setMemory(idx + FrameDescriptor.HEADER_BYTES, length, (byte) 0);
                    publish(idx, length, nextLsn - 1, FrameDescriptor.TYPE_VOID, frameBytes);
                }
            }
            lsn = type == FrameDescriptor.TYPE_RECORD ? nextLsn++ : nextLsn - 1;
            publish(idx, length, lsn, type, frameBytes);
            if (ackTarget != null) {
                state.acks.add(ackTarget, lsn);
            }
            if (type == FrameDescriptor.TYPE_RECORD) {
                metrics.appended(length);
            }
        }
        wakeCommitter();
        return lsn;
    }

    private void copyPayload(int at, byte[] array, ByteBuffer buffer, BytesStore<?, ?> store, int length) {
        if (array != null) {
            state.ring.buffer().putBytes(at, array, 0, length);
        } else if (store != null) {
            // copyTo works for heap and native stores alike (HeapBytesStore.nativeRead does not).
            if (ringView == null) {
                ringView = new PointerBytesStore();
            }
            ringView.set(state.ring.address() + at, length);
            store.copyTo(ringView);
        } else if (length > 0) {
            state.ring.buffer().putBytes(at, buffer, buffer.position(), length);
        }
    }

    /** Seals and publishes the frame at {@code idx}; under the monitor. */
    private void publish(int idx, int length, long lsn, short type, int frameBytes) {
        long span = Math.min(0xFFFF_FFFFL, Math.max(0, lsn - state.durableLsn));
        FrameCodec codec = state.ring.appenderCodec();
        codec.seal(idx, length, lsn, salt, type, (int) span);
        codec.publish(idx, length);
        segmentOffset += frameBytes;
    }

    /** Reserves ring room for the frame, rolling to a new segment first if it does not fit. */
    private int reserve(int frameBytes) throws WalFailedException {
        while (true) {
            checkUsable();
            boolean roll = segmentOffset + frameBytes > segmentBytes;
            if (!roll || state.rolls.push(state.ring.tail() + padBefore(frameBytes), segmentIndex + 1, nextLsn)) {
                int idx = state.ring.reserve(frameBytes);
                if (idx >= 0) {
                    if (roll) {
                        segmentIndex++;
                        segmentOffset = SegmentHeaderDescriptor.HEADER_BYTES;
                        salt = FrameDescriptor.salt(logId, segmentIndex);
                        segments.add(segmentIndex, nextLsn);
                    }
                    return idx;
                }
                if (roll) {
                    state.rolls.unpush();
                }
            }
            waitForSpace();
        }
    }

    /** Padding the ring will insert before a frame of this size (it never wraps a frame). */
    private int padBefore(int frameBytes) {
        int cap = state.ring.capacity();
        int idx = LogBuffer.index(state.ring.tail(), cap);
        return idx + frameBytes > cap ? cap - idx : 0;
    }

    private void waitForSpace() {
        state.spaceWaiters++;
        try {
            state.monitor.wait(SPACE_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            state.spaceWaiters--;
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

    /** Wakes the committer if it may be blocked; the full fence orders our publish before the flag read. */
    void wakeCommitter() {
        VarHandle.fullFence();
        if (state.committerSleeping) {
            state.committerSleeping = false;
            ctx.wakeup();
        }
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
    void resetTo(long nextLsn, long segmentIndex, long segmentOffset) {
        synchronized (state.monitor) {
            this.nextLsn = nextLsn;
            this.segmentIndex = segmentIndex;
            this.segmentOffset = segmentOffset;
            this.salt = FrameDescriptor.salt(logId, segmentIndex);
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
