package dev.keel.aio.linuxaio;

import dev.keel.aio.AioCounter;
import dev.keel.aio.AioRequest;
import dev.keel.aio.Errno;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

import static dev.keel.aio.linuxaio.IocbDescriptor.AIO_BUF_OFFSET;
import static dev.keel.aio.linuxaio.IocbDescriptor.AIO_DATA_OFFSET;
import static dev.keel.aio.linuxaio.IocbDescriptor.AIO_FILDES_OFFSET;
import static dev.keel.aio.linuxaio.IocbDescriptor.AIO_FLAGS_OFFSET;
import static dev.keel.aio.linuxaio.IocbDescriptor.AIO_KEY_OFFSET;
import static dev.keel.aio.linuxaio.IocbDescriptor.AIO_LIO_OPCODE_OFFSET;
import static dev.keel.aio.linuxaio.IocbDescriptor.AIO_NBYTES_OFFSET;
import static dev.keel.aio.linuxaio.IocbDescriptor.AIO_OFFSET_OFFSET;
import static dev.keel.aio.linuxaio.IocbDescriptor.AIO_REQPRIO_OFFSET;
import static dev.keel.aio.linuxaio.IocbDescriptor.AIO_RESERVED2_OFFSET;
import static dev.keel.aio.linuxaio.IocbDescriptor.AIO_RESFD_OFFSET;
import static dev.keel.aio.linuxaio.IocbDescriptor.AIO_RW_FLAGS_OFFSET;
import static dev.keel.aio.linuxaio.IocbDescriptor.IOCB_BYTES;
import static dev.keel.aio.linuxaio.IocbDescriptor.IOCB_CMD_FDSYNC;
import static dev.keel.aio.linuxaio.IocbDescriptor.IOCB_CMD_FSYNC;
import static dev.keel.aio.linuxaio.IocbDescriptor.IOCB_CMD_PREAD;
import static dev.keel.aio.linuxaio.IocbDescriptor.IOCB_CMD_PWRITE;
import static dev.keel.aio.linuxaio.IocbDescriptor.IOCB_FLAG_RESFD;
import static dev.keel.aio.linuxaio.IocbDescriptor.RWF_APPEND;
import static dev.keel.aio.linuxaio.LinuxAioOrdering.KIND_APPEND;
import static dev.keel.aio.linuxaio.LinuxAioOrdering.KIND_DATA_SYNC;
import static dev.keel.aio.linuxaio.LinuxAioOrdering.KIND_FILE_SYNC;
import static dev.keel.aio.linuxaio.LinuxAioOrdering.KIND_READ;
import static dev.keel.aio.linuxaio.LinuxAioOrdering.KIND_WRITE;

/**
 * The submission path: one iocb per slot in native memory ({@code aio_data} = slot), the list
 * of iocb pointers for the next {@code io_submit}, and the call itself.
 *
 * <pre>
 *   native memory (one direct buffer, page aligned):
 *   +------------------------------------+----------------------------------------+
 *   | iocb[0] ... iocb[n - 1]  (64 B)    | iocb *[0] ... iocb *[n - 1]  (8 B)      |
 *   +------------------------------------+----------------------------------------+
 *     slot s's iocb, refilled per request    [0, issueCount): the next io_submit, in order
 *
 *   queue(slot) ─► fill iocb[slot], pointer appended ─► issueQueued ─► io_submit(rest)
 *     took k > 0 ─► inKernel += k, go on with the rest;  EINTR ─► again
 *     refused (-errno, or 0 taken: EAGAIN) ─► stop there (the caller's own batch, EAGAIN only),
 *       or that iocb goes to Refusals with -errno and the rest are offered again
 * </pre>
 *
 * <p>io_submit stops at the first iocb it refuses and reports it as -errno only when it is the
 * first of the call; so after a short count the rest are offered again. A refusal may release
 * held requests (the ordering issues them through {@link #queue}), which join the list and go
 * in the same loop. The kernel copies an iocb during io_submit, so a slot's iocb may be
 * refilled once its completion has been reaped. The buffer is never freed by hand: the garbage
 * collector frees it with the context, so no late caller can touch freed memory.
 *
 * <p>Not thread safe: the context calls it under its issue lock.
 */
final class LinuxAioSubmission {
    private static final int PAGE_BYTES = 4096;
    private static final int EINTR = Errno.EINTR.value();
    private static final int EAGAIN = Errno.EAGAIN.value();
    private static final short[] OPCODE_BY_KIND = {IOCB_CMD_PREAD, IOCB_CMD_PWRITE, IOCB_CMD_PWRITE, IOCB_CMD_FDSYNC,
        IOCB_CMD_FSYNC};

    /** Where an iocb the kernel refused goes: its slot and -errno. Called under the issue lock. */
    @FunctionalInterface
    interface Refusals {
        void refused(int slot, int result);
    }

    /** Counts operations where the kernel takes them (the context's counters). */
    @FunctionalInterface
    interface Counting {
        void count(AioCounter counter);
    }

    private final AioSyscalls sys;
    private final long contextId;
    private final int eventFd;
    private final Counting counting;
    private final Refusals refusals;
    /** Holds the native memory below; never freed by hand (see the class comment). */
    private final ByteBuffer nativeMemory;
    private final UnsafeBuffer iocbs;
    private final UnsafeBuffer iocbPointers;
    private final long iocbsAddress;
    private final long iocbPointersAddress;
    /** The slots (and their kinds) whose iocb pointers fill {@code iocbPointers[0, issueCount)}. */
    private final int[] issueSlots;
    private final byte[] issueKinds;
    private int issueCount;
    private int inKernel;

    LinuxAioSubmission(int maxInFlight, AioSyscalls sys, long contextId, int eventFd, Counting counting,
                       Refusals refusals) {
        this.sys = sys;
        this.contextId = contextId;
        this.eventFd = eventFd;
        this.counting = counting;
        this.refusals = refusals;
        int iocbBytes = maxInFlight * IOCB_BYTES;
        int pointerBytes = maxInFlight * Long.BYTES;
        this.nativeMemory = BufferUtil.allocateDirectAligned(iocbBytes + pointerBytes, PAGE_BYTES);
        UnsafeBuffer all = new UnsafeBuffer(nativeMemory);
        this.iocbs = new UnsafeBuffer(all, 0, iocbBytes);
        this.iocbPointers = new UnsafeBuffer(all, iocbBytes, pointerBytes);
        this.iocbsAddress = iocbs.addressOffset();
        this.iocbPointersAddress = iocbPointers.addressOffset();
        this.issueSlots = new int[maxInFlight];
        this.issueKinds = new byte[maxInFlight];
    }

    /** The address of the slot's iocb, which names the request to io_cancel. */
    long iocbAddress(int slot) {
        return iocbsAddress + (long) slot * IOCB_BYTES;
    }

    /** Requests the kernel has taken and not yet given back. */
    int inKernel() {
        return inKernel;
    }

    /** {@code count} requests the kernel had came back through io_getevents. */
    void leftKernel(int count) {
        inKernel -= count;
        assert inKernel >= 0 : "more completions than requests in the kernel: " + inKernel;
    }

    boolean nothingQueued() {
        return issueCount == 0;
    }

    /** Fills the slot's iocb and appends its pointer to the next io_submit. */
    void queue(int slot, AioRequest r, byte kind, int fd) {
        fillIocb(slot, r, kind, fd);
        iocbPointers.putLong(issueCount * Long.BYTES, iocbAddress(slot));
        issueKinds[issueCount] = kind;
        issueSlots[issueCount++] = slot;
    }

    private void fillIocb(int slot, AioRequest r, byte kind, int fd) {
        boolean transfer = kind == KIND_READ || LinuxAioOrdering.isWrite(kind);
        int at = slot * IOCB_BYTES;
        iocbs.putLong(at + AIO_DATA_OFFSET, slot);
        iocbs.putInt(at + AIO_KEY_OFFSET, 0);
        // RWF_APPEND makes the append explicit per iocb; the file is O_APPEND as well.
        iocbs.putInt(at + AIO_RW_FLAGS_OFFSET, kind == KIND_APPEND ? RWF_APPEND : 0);
        iocbs.putShort(at + AIO_LIO_OPCODE_OFFSET, OPCODE_BY_KIND[kind]);
        iocbs.putShort(at + AIO_REQPRIO_OFFSET, (short) 0);
        iocbs.putInt(at + AIO_FILDES_OFFSET, fd);
        // A sync with a buffer, length or offset is refused with EINVAL: they must be zero.
        iocbs.putLong(at + AIO_BUF_OFFSET, transfer ? r.address() : 0L);
        iocbs.putLong(at + AIO_NBYTES_OFFSET, transfer ? r.length() : 0L);
        iocbs.putLong(at + AIO_OFFSET_OFFSET, kind == KIND_READ || kind == KIND_WRITE ? r.offset() : 0L);
        iocbs.putLong(at + AIO_RESERVED2_OFFSET, 0L);
        iocbs.putInt(at + AIO_FLAGS_OFFSET, IOCB_FLAG_RESFD);
        iocbs.putInt(at + AIO_RESFD_OFFSET, eventFd);
    }

    /**
     * Hands the queued iocbs to the kernel in order: one io_submit when the kernel takes them
     * all; a refused iocb goes to {@link Refusals}. Empties the list.
     *
     * @param mayStopOnEagain stop at an EAGAIN instead of refusing that request, provided nothing
     *     was refused before (then the list is still the caller's batch, in batch order)
     * @return the slot where EAGAIN stopped it (it and the ones after were not issued), or -1
     */
    int issueQueued(boolean mayStopOnEagain) {
        int issued = 0;
        boolean refusedOne = false;
        try {
            while (issued < issueCount) {
                long r = sys.ioSubmit(contextId, issueCount - issued, iocbPointersAddress + (long) issued * Long.BYTES);
                counting.count(AioCounter.SUBMIT_CALLS);
                if (r > 0) {
                    countKinds(issued, (int) r);
                    inKernel += (int) r;
                    issued += (int) r;
                    continue;
                }
                if (r == -EINTR) {
                    continue;
                }
                int errno = r == 0 ? EAGAIN : (int) -r;
                if (errno == EAGAIN && mayStopOnEagain && !refusedOne) {
                    return issueSlots[issued];
                }
                int slot = issueSlots[issued++];
                refusedOne = true;
                refusals.refused(slot, -errno);
            }
            return -1;
        } finally {
            issueCount = 0;
        }
    }

    /** Counts what the kernel took, where it took it: the counters say what reached the kernel. */
    private void countKinds(int from, int count) {
        for (int i = from; i < from + count; i++) {
            switch (issueKinds[i]) {
                case KIND_READ -> counting.count(AioCounter.READS);
                case KIND_DATA_SYNC -> counting.count(AioCounter.DATA_SYNCS);
                case KIND_FILE_SYNC -> counting.count(AioCounter.FILE_SYNCS);
                default -> counting.count(AioCounter.WRITES);
            }
        }
    }
}
