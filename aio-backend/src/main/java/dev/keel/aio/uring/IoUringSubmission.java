package dev.keel.aio.uring;

import dev.keel.aio.AioCounter;
import dev.keel.aio.AioOpcode;
import dev.keel.aio.AioRequest;
import dev.keel.aio.Errno;
import dev.keel.aio.SyncMode;

import static dev.keel.aio.uring.SqeDescriptor.IORING_FSYNC_DATASYNC;
import static dev.keel.aio.uring.SqeDescriptor.IORING_OP_ASYNC_CANCEL;
import static dev.keel.aio.uring.SqeDescriptor.IORING_OP_FSYNC;
import static dev.keel.aio.uring.SqeDescriptor.IORING_OP_NOP;
import static dev.keel.aio.uring.SqeDescriptor.IORING_OP_READ;
import static dev.keel.aio.uring.SqeDescriptor.IORING_OP_READ_FIXED;
import static dev.keel.aio.uring.SqeDescriptor.IORING_OP_WRITE;
import static dev.keel.aio.uring.SqeDescriptor.IORING_OP_WRITE_FIXED;
import static dev.keel.aio.uring.SqeDescriptor.IOSQE_IO_LINK;

/**
 * The SQ producer: writes SQEs for requests, the wakeup NOP and ASYNC_CANCEL, and hands every
 * SQE written since the last entry to the kernel with ONE io_uring_enter.
 *
 * <pre>
 *   issue / writeNop / writeCancel ─► SQE at sqTail & mask, sqTail++, unsubmitted++
 *   flush ─► store-release SQ tail ─► io_uring_enter(to_submit = unsubmitted)
 *              consumed k > 0 ─► unsubmitted -= k, again while any is left
 *              EINTR ─► again;  EAGAIN/EBUSY ─► again, up to TRANSIENT_ENTER_RETRIES in a row
 *              else ─► take the unconsumed SQEs back (SQ tail moves back) ─► Refusals, each with -errno
 * </pre>
 *
 * <p>Sizes (the context opens the ring so): the SQ has the next power of two at or above
 * maxInFlight entries. Every SQE written between two kernel entries belongs to a distinct
 * request in flight (or is the lone NOP or cancel of its own entry), so the SQ can never be
 * full and a chain is never split across entries. The CQ has twice that: maxInFlight request
 * completions, one NOP and the cancel answers fit; beyond that IORING_FEAT_NODROP keeps
 * completions in the kernel and reap flushes them.
 *
 * <p>A transfer whose whole range lies in a registered buffer goes as READ_FIXED /
 * WRITE_FIXED ({@link RegisteredBuffers}). Not thread safe: under the context's ring lock.
 */
final class IoUringSubmission {
    /** Consecutive EAGAIN/EBUSY answers to a submit entry before its SQEs fail with that errno. */
    static final int TRANSIENT_ENTER_RETRIES = 64;
    private static final int EINTR = Errno.EINTR.value();
    private static final int EAGAIN = Errno.EAGAIN.value();
    private static final int EBUSY = Errno.EBUSY.value();

    /** Where SQEs the kernel would not take go: each user_data with the kernel's answer, -errno. */
    interface Refusals {
        void refused(long userData, int result);
    }

    /** Counts operations where the kernel gets them (the context's counters). */
    interface Counting {
        void count(AioCounter counter);
    }

    private final IoUringRing ring;
    private final IoUringSlots slots;
    private final RegisteredBuffers buffers;
    private final Counting counting;
    private final Refusals refusals;
    private final long[] failedUserData;
    private int sqTail;
    private int unsubmitted;

    IoUringSubmission(IoUringRing ring, IoUringSlots slots, RegisteredBuffers buffers, Counting counting,
                      Refusals refusals) {
        this.ring = ring;
        this.slots = slots;
        this.buffers = buffers;
        this.counting = counting;
        this.refusals = refusals;
        this.failedUserData = new long[ring.sqEntries()];
    }

    /** The registered buffer holding the whole transfer, or -1; a FIXED transfer is counted. */
    private int fixedBuffer(AioRequest r) {
        int buf = buffers.indexOf(r.address(), r.length());
        if (buf >= 0) {
            counting.count(AioCounter.FIXED_TRANSFERS);
        }
        return buf;
    }

    /** Writes the request's SQE, tagged with its slot's user_data; counted here, where the kernel gets it. */
    void issue(int slot, AioRequest r, boolean linkNext) {
        long userData = slots.userData(slot);
        int sqeFlags = linkNext ? IOSQE_IO_LINK : 0;
        int fd = r.file().rawFd();
        switch (r.opcode()) {
            case READ -> {
                counting.count(AioCounter.READS);
                int buf = fixedBuffer(r);
                writeSqe(buf < 0 ? IORING_OP_READ : IORING_OP_READ_FIXED, sqeFlags, fd, r.offset(), r.address(),
                    r.length(), 0, userData, Math.max(buf, 0));
            }
            case WRITE, APPEND -> {
                counting.count(AioCounter.WRITES);
                int buf = fixedBuffer(r);
                // Offset -1 is "the file position", as write(2) has it; O_APPEND then writes at the end.
                long offset = r.opcode() == AioOpcode.APPEND ? -1L : r.offset();
                writeSqe(buf < 0 ? IORING_OP_WRITE : IORING_OP_WRITE_FIXED, sqeFlags, fd, offset, r.address(),
                    r.length(), 0, userData, Math.max(buf, 0));
            }
            case SYNC -> {
                boolean data = r.syncMode() == SyncMode.DATA;
                counting.count(data ? AioCounter.DATA_SYNCS : AioCounter.FILE_SYNCS);
                writeSqe(IORING_OP_FSYNC, sqeFlags, fd, 0, 0, 0, data ? IORING_FSYNC_DATASYNC : 0, userData, 0);
            }
            default -> throw new AssertionError(r.opcode());
        }
    }

    /** The wakeup NOP: its CQE makes every io_uring_enter(GETEVENTS) return. */
    void writeWakeupNop() {
        writeSqe(IORING_OP_NOP, 0, -1, 0, 0, 0, 0, IoUringSlots.WAKEUP_USER_DATA, 0);
    }

    /** ASYNC_CANCEL of the request tagged {@code targetUserData}; its own CQE carries {@code tag}. */
    void writeCancel(long targetUserData, long tag) {
        writeSqe(IORING_OP_ASYNC_CANCEL, 0, -1, 0, targetUserData, 0, 0, tag, 0);
    }

    private void writeSqe(int opcode, int sqeFlags, int fd, long offset, long address, int length, int opFlags,
                          long userData, int bufIndex) {
        if (unsubmitted == ring.sqEntries()) {
            // Unreachable by the sizing in the context's comment; entering keeps the ring correct anyway.
            assert false : "SQ full with " + unsubmitted + " unsubmitted entries";
            flush();
        }
        ring.writeSqe(sqTail, opcode, sqeFlags, fd, offset, address, length, opFlags, userData, bufIndex);
        sqTail++;
        unsubmitted++;
    }

    /**
     * Publishes the SQ tail and enters the kernel once for every SQE written since the last
     * entry. Never throws: SQEs the kernel would not take go to {@link Refusals} with its errno.
     */
    void flush() {
        int transientFailures = 0;
        while (unsubmitted > 0) {
            ring.publishSqTail(sqTail);
            int r = ring.enter(unsubmitted, 0, 0, 0, 0);
            if (r > 0) {
                counting.count(AioCounter.SUBMIT_CALLS);
                unsubmitted -= Math.min(r, unsubmitted);
                transientFailures = 0;
                continue;
            }
            int errno = r == 0 ? EAGAIN : -r;
            if (errno == EINTR) {
                continue;
            }
            if ((errno == EAGAIN || errno == EBUSY) && ++transientFailures < TRANSIENT_ENTER_RETRIES) {
                Thread.yield();
                continue;
            }
            failUnsubmitted(errno);
        }
    }

    /** Takes back the SQEs the kernel did not consume and refuses each with -errno. */
    private void failUnsubmitted(int errno) {
        int n = unsubmitted;
        int first = sqTail - n;
        for (int i = 0; i < n; i++) {
            failedUserData[i] = ring.sqeUserData(first + i);
        }
        sqTail = first;
        unsubmitted = 0;
        ring.publishSqTail(sqTail);
        for (int i = 0; i < n; i++) {
            refusals.refused(failedUserData[i], -errno);
        }
    }

    /** SQEs written and not yet consumed by the kernel (for diagnostics). */
    int unsubmitted() {
        return unsubmitted;
    }
}
