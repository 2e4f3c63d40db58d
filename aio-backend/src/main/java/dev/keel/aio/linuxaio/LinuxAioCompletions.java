package dev.keel.aio.linuxaio;

import dev.keel.aio.AioException;
import dev.keel.aio.Errno;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.locks.StampedLock;

import static dev.keel.aio.linuxaio.AioRingDescriptor.EVENT_DATA_OFFSET;
import static dev.keel.aio.linuxaio.AioRingDescriptor.EVENT_RES_OFFSET;
import static dev.keel.aio.linuxaio.AioRingDescriptor.HEAD_OFFSET;
import static dev.keel.aio.linuxaio.AioRingDescriptor.IO_EVENT_BYTES;
import static dev.keel.aio.linuxaio.AioRingDescriptor.TAIL_OFFSET;

/**
 * The kernel's side of a context and its completions: the {@code aio_context_t} that
 * {@code io_setup} returns (its id <em>is</em> the address of the {@code aio_ring} it maps,
 * {@link AioRingDescriptor}), the io_event array {@code io_getevents} fills, and
 * {@code io_destroy}.
 *
 * <pre>
 *   native memory (one direct buffer, page aligned):
 *   +-------------------------------------------+----------------------+----------------------+
 *   | io_event[0] ... io_event[n - 1]  (32 B)    | zero timespec (16 B) | context id (8 B)     |
 *   +-------------------------------------------+----------------------+----------------------+
 *
 *   reap ─► ring head != tail? (read under ringGuard) ─ no ─► 0, no system call
 *                 └ yes ─► io_getevents(min 0, max, timeout 0) ─► slot(i), result(i)
 *   close ─► ringGuard write-held ─► unmapped = true ─► io_destroy (unmaps the ring)
 * </pre>
 *
 * <p>Looking at the ring first spares the system call (and, for a waiter, the sleep) when
 * nothing is there; events are consumed only through {@code io_getevents}, as libaio does. The
 * kernel's ring, which {@code io_destroy} unmaps, is read only under {@code ringGuard}, so no
 * late caller touches unmapped memory. The event array has one user at a time: the reaper,
 * under the base class's reap lock. The buffer is never freed by hand.
 */
final class LinuxAioCompletions {
    private static final int PAGE_BYTES = 4096;
    private static final int EINTR = Errno.EINTR.value();
    private static final int ZERO_TIMEOUT_AT = 0;
    private static final int CONTEXT_ID_AT = ZERO_TIMEOUT_AT + LinuxAioNative.TIMESPEC_BYTES;
    private static final int SCRATCH_BYTES = CONTEXT_ID_AT + Long.BYTES;

    private final AioSyscalls sys;
    private final int maxEvents;
    /** Holds the native memory below; never freed by hand. */
    private final ByteBuffer nativeMemory;
    private final UnsafeBuffer events;
    private final long eventsAddress;
    private final long zeroTimeoutAddress;
    private final long contextId;
    private final UnsafeBuffer ring;
    /** Read-held while the ring is read, write-held by io_destroy, which unmaps it. */
    private final StampedLock ringGuard = new StampedLock();
    private boolean ringUnmapped;

    private LinuxAioCompletions(AioSyscalls sys, int maxEvents, ByteBuffer nativeMemory, long contextId) {
        this.sys = sys;
        this.maxEvents = maxEvents;
        this.nativeMemory = nativeMemory;
        UnsafeBuffer all = new UnsafeBuffer(nativeMemory);
        int eventBytes = maxEvents * IO_EVENT_BYTES;
        this.events = new UnsafeBuffer(all, 0, eventBytes);
        this.eventsAddress = events.addressOffset();
        this.zeroTimeoutAddress = all.addressOffset() + eventBytes + ZERO_TIMEOUT_AT;
        this.contextId = contextId;
        this.ring = new UnsafeBuffer(contextId, AioRingDescriptor.HEADER_BYTES);
    }

    /**
     * io_setup for {@code maxEvents} (the kernel doubles it for its per-CPU accounting); refuses
     * a ring whose layout is not the one {@link AioRingDescriptor} draws.
     */
    static LinuxAioCompletions setUp(AioSyscalls sys, int maxEvents) throws AioException {
        int eventBytes = maxEvents * IO_EVENT_BYTES;
        ByteBuffer memory = BufferUtil.allocateDirectAligned(eventBytes + SCRATCH_BYTES, PAGE_BYTES);
        UnsafeBuffer scratch = new UnsafeBuffer(memory, eventBytes, SCRATCH_BYTES);
        scratch.putLong(CONTEXT_ID_AT, 0L);
        long r;
        do {
            r = sys.ioSetup(maxEvents, scratch.addressOffset() + CONTEXT_ID_AT);
        } while (r == -EINTR);
        if (r < 0) {
            throw new AioException("io_setup", null, (int) -r, LinuxAioProbe.setupFailureDetail((int) -r));
        }
        long id = scratch.getLong(CONTEXT_ID_AT);
        String problem = LinuxAioProbe.ringLayoutProblem(id);
        if (problem != null) {
            sys.ioDestroy(id);
            throw new AioException("io_setup", null, Errno.EOPNOTSUPP.value(), problem);
        }
        return new LinuxAioCompletions(sys, maxEvents, memory, id);
    }

    long contextId() {
        return contextId;
    }

    /** True when events wait in the ring, or the ring is gone (a waiter must not sleep then). */
    boolean eventsWaitingOrClosed() {
        long stamp = ringGuard.readLock();
        try {
            return ringUnmapped || ringHasEvents();
        } finally {
            ringGuard.unlockRead(stamp);
        }
    }

    /**
     * Takes up to {@code max} events into the event array without waiting; read them with
     * {@link #slot} and {@link #result}. Under the base class's reap lock.
     */
    int getEvents(int max) throws AioException {
        long stamp = ringGuard.readLock();
        try {
            // Looking at the ring first spares the system call when nothing is there.
            if (ringUnmapped || !ringHasEvents()) {
                return 0;
            }
            long got;
            do {
                got = sys.ioGetevents(contextId, 0, Math.min(max, maxEvents), eventsAddress, zeroTimeoutAddress);
            } while (got == -EINTR);
            if (got < 0) {
                throw new AioException("io_getevents", null, (int) -got);
            }
            return (int) got;
        } finally {
            ringGuard.unlockRead(stamp);
        }
    }

    /** The slot of the i-th event of the last {@link #getEvents} (its iocb's {@code aio_data}). */
    int slot(int i) {
        return (int) events.getLong(i * IO_EVENT_BYTES + EVENT_DATA_OFFSET);
    }

    /** The i-th event's result: bytes transferred (an int's worth: lengths are ints) or -errno. */
    int result(int i) {
        return (int) events.getLong(i * IO_EVENT_BYTES + EVENT_RES_OFFSET);
    }

    /** Under ringGuard (read): the kernel stores the event before it moves the tail. */
    private boolean ringHasEvents() {
        return ring.getIntVolatile(TAIL_OFFSET) != ring.getIntVolatile(HEAD_OFFSET);
    }

    /** io_destroy, once nothing is in flight: the ring is unmapped under the guard's write lock. */
    void destroy() throws AioException {
        long r;
        long stamp = ringGuard.writeLock();
        try {
            ringUnmapped = true;
            do {
                r = sys.ioDestroy(contextId);
            } while (r == -EINTR);
        } finally {
            ringGuard.unlockWrite(stamp);
        }
        if (r < 0) {
            throw new AioException("io_destroy", null, (int) -r);
        }
    }
}
