package dev.keel.aio.linuxaio;

import dev.keel.aio.AbstractAioContext;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioCounter;
import dev.keel.aio.AioException;
import dev.keel.aio.AioLimits;
import dev.keel.aio.AioOptions;
import dev.keel.aio.AioRequest;
import dev.keel.aio.CancelResult;
import dev.keel.aio.Errno;
import dev.keel.aio.SyncMode;
import dev.keel.aio.internal.LeaderFollowerWait;
import dev.keel.aio.internal.SyncBarrier;
import org.agrona.BufferUtil;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;

import static dev.keel.aio.linuxaio.AioRingDescriptor.EVENT_DATA_OFFSET;
import static dev.keel.aio.linuxaio.AioRingDescriptor.EVENT_RES_OFFSET;
import static dev.keel.aio.linuxaio.AioRingDescriptor.HEAD_OFFSET;
import static dev.keel.aio.linuxaio.AioRingDescriptor.IO_EVENT_BYTES;
import static dev.keel.aio.linuxaio.AioRingDescriptor.TAIL_OFFSET;
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
import static dev.keel.aio.linuxaio.LinuxAioNative.POLLFD_EVENTS_OFFSET;
import static dev.keel.aio.linuxaio.LinuxAioNative.POLLFD_FD_OFFSET;
import static dev.keel.aio.linuxaio.LinuxAioNative.TIMESPEC_NSEC_OFFSET;
import static dev.keel.aio.linuxaio.LinuxAioNative.TIMESPEC_SEC_OFFSET;

/**
 * A Linux native AIO context: one kernel {@code aio_context_t}, one iocb per slot in native
 * memory ({@code aio_data} = slot), and the ordering that native AIO lacks, kept here.
 *
 * <pre>
 *  submit ─► accept, per fd ─┬─ READ, WRITE ─────────────────────────────────┐
 *                            ├─ APPEND: an APPEND in the kernel already? no ─┤
 *                            │            └ yes ─► heldAppends[fd]           │
 *                            └─ SYNC: earlier writes still pending?      no ─┤
 *                                         └ yes ─► heldSyncs[fd]             ▼
 *                                           fill iocb[slot] ─► io_submit (one call per batch)
 *                                                                            │ kernel: event into
 *                                                                            │ ring, eventfd += 1
 *  await/poll ◄─ reap: ring head != tail? ─► io_getevents(min 0, timeout 0) ◄┘
 *                   └─ a completed write releases the next held APPEND and each held SYNC
 *                      whose earlier writes are all complete ─► io_submit, from the reap path
 * </pre>
 *
 * <h2>Ordering (the contract's clauses 4 and 5)</h2>
 * The kernel promises no order between iocbs in flight (O_DIRECT writes complete in any order)
 * and an {@code IOCB_CMD_FDSYNC} does not wait for the writes in flight. So each descriptor
 * with writes outstanding has a {@link FdOrder}: at most one APPEND of a descriptor is in the
 * kernel, later ones wait in submission order; a SYNC reaches the kernel only when every WRITE
 * and APPEND submitted before it on the descriptor has completed (counted per held sync, so a
 * completing write releases exactly the syncs it was ahead of). Positioned WRITEs are never
 * held, not even behind a held SYNC (they need no order, and the next group commit's writes
 * then overlap the previous sync), and READs carry no ordering at all. A held request goes to
 * the kernel from whichever thread reaps the completion that frees it, under the issue lock,
 * batched with the others it frees into one {@code io_submit}. The price is one append in
 * flight per file; a log that writes at explicit offsets into a preallocated O_DIRECT segment
 * gets the full queue depth.
 *
 * <h2>Submission</h2>
 * A batch is one {@code io_submit} unless the kernel refuses an iocb: then the ones it took
 * stay in, the refused one completes with its errno through {@link #reapRequests} (posted by
 * the context), and the rest go in with another call. EAGAIN (no kernel room) on the caller's
 * own batch instead returns the accepted prefix, as the contract asks, or throws when none of
 * the context's requests is in flight to free room. The context asks io_setup for
 * {@code maxInFlight} events, so EAGAIN means the kernel is short of memory.
 *
 * <h2>Blocking and wakeup</h2>
 * Every iocb carries {@code IOCB_FLAG_RESFD}, so each completion adds 1 to a non-blocking
 * eventfd. One waiter at a time, the leader, sleeps in {@code ppoll} on it and drains it when
 * it wakes; the other waiters sleep on a condition. Whenever the leader steps down, or
 * {@link #interruptBlock} is called, the wake epoch advances and every waiter returns to
 * reap. A waiter notes the epoch, then looks at the ring and the posted queue, and sleeps only
 * if the epoch has not moved since: a completion is either visible in that look or arrives
 * after it, and then the eventfd or the epoch shows it, so no wakeup is lost however many
 * threads wait and however few completions each takes. {@code interruptBlock} writes the
 * eventfd only when a leader sleeps in {@code ppoll}.
 *
 * <h2>Memory</h2>
 * iocbs, the iocb pointer array, the io_event array and the small scratch fields live in one
 * direct buffer sized from {@code maxInFlight}; per-slot bookkeeping is in primitive arrays and
 * held requests are linked through {@code int[] nextHeld}, so nothing is allocated per
 * request. The buffer is never freed by hand (the garbage collector frees it with the
 * context), so no late caller can touch freed memory; the kernel's ring, which
 * {@code io_destroy} unmaps, is read only under {@link #ringGuard}.
 */
final class LinuxAioContext extends AbstractAioContext {
    /** DIRECT transfers align to the device's logical block; a page covers every device. */
    private static final int DIRECT_ALIGNMENT_BYTES = 4096;
    private static final int PAGE_BYTES = 4096;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int EINTR = Errno.EINTR.value();
    private static final int EAGAIN = Errno.EAGAIN.value();
    private static final int ECANCELED = Errno.ECANCELED.value();

    private static final byte KIND_READ = 0;
    private static final byte KIND_WRITE = 1;
    private static final byte KIND_APPEND = 2;
    private static final byte KIND_DATA_SYNC = 3;
    private static final byte KIND_FILE_SYNC = 4;
    private static final short[] OPCODE_BY_KIND = {IOCB_CMD_PREAD, IOCB_CMD_PWRITE, IOCB_CMD_PWRITE, IOCB_CMD_FDSYNC,
        IOCB_CMD_FSYNC};

    /** Scratch fields, each used by one role: the reaper, the leader, the canceller. */
    private static final int ZERO_TIMEOUT_AT = 0;
    private static final int WAIT_TIMEOUT_AT = ZERO_TIMEOUT_AT + LinuxAioNative.TIMESPEC_BYTES;
    private static final int POLLFD_AT = WAIT_TIMEOUT_AT + LinuxAioNative.TIMESPEC_BYTES;
    private static final int EVENTFD_ONE_AT = POLLFD_AT + LinuxAioNative.POLLFD_BYTES;
    private static final int EVENTFD_DRAIN_AT = EVENTFD_ONE_AT + Long.BYTES;
    private static final int CONTEXT_ID_AT = EVENTFD_DRAIN_AT + Long.BYTES;
    private static final int CANCEL_EVENT_AT = CONTEXT_ID_AT + Long.BYTES;
    private static final int SCRATCH_BYTES = CANCEL_EVENT_AT + IO_EVENT_BYTES;

    private final AioSyscalls sys;
    private final int maxInFlight;
    /** Holds the native memory below; never freed by hand (see the class comment). */
    private final ByteBuffer nativeMemory;
    private final UnsafeBuffer iocbs;
    private final UnsafeBuffer iocbPointers;
    private final UnsafeBuffer events;
    private final UnsafeBuffer scratch;
    private final long iocbsAddress;
    private final long iocbPointersAddress;
    private final long eventsAddress;
    private final long scratchAddress;
    private final int eventFd;
    private final long contextId;
    private final UnsafeBuffer ring;

    /** Guards everything from here to {@code postedSinceWake}. Taken inside submit and reap locks. */
    private final ReentrantLock issueLock = new ReentrantLock();
    private final AioRequest[] requestBySlot;
    private final byte[] kindBySlot;
    private final int[] fdBySlot;
    /** Per slot: position on its descriptor; for a held SYNC, its earlier WRITEs and APPENDs not yet complete. */
    private final SyncBarrier barrier;
    private final boolean[] heldBySlot;
    private final int[] nextHeld;
    private final Int2ObjectHashMap<FdOrder> orders;
    private final ArrayDeque<FdOrder> spareOrders = new ArrayDeque<>();
    /** The slots whose iocb pointers fill {@code iocbPointers[0, issueCount)}, for the next io_submit. */
    private final int[] issueSlots;
    private int issueCount;
    private int inKernel;
    /** Finished by the context itself (refused by io_submit, canceled while held). */
    private final ArrayDeque<AioRequest> posted;
    private volatile int postedCount;
    private boolean postedSinceWake;

    /** The leader sleeps in ppoll on the eventfd, the others on its condition; its lock is a leaf lock. */
    private final LeaderFollowerWait waiters = new LeaderFollowerWait(this::kickLeader);

    /** Read-held while the ring is read, write-held by io_destroy, which unmaps it. */
    private final StampedLock ringGuard = new StampedLock();
    private boolean ringUnmapped;

    LinuxAioContext(AioOptions options, AioSyscalls sys) throws AioException {
        super(LinuxAioBackend.NAME, new AioLimits(options.maxInFlight(), DIRECT_ALIGNMENT_BYTES));
        this.sys = sys;
        int n = options.maxInFlight();
        this.maxInFlight = n;
        int iocbBytes = n * IOCB_BYTES;
        int pointerBytes = n * Long.BYTES;
        int eventBytes = n * IO_EVENT_BYTES;
        this.nativeMemory = BufferUtil.allocateDirectAligned(iocbBytes + pointerBytes + eventBytes + SCRATCH_BYTES,
            PAGE_BYTES);
        UnsafeBuffer all = new UnsafeBuffer(nativeMemory);
        this.iocbs = new UnsafeBuffer(all, 0, iocbBytes);
        this.iocbPointers = new UnsafeBuffer(all, iocbBytes, pointerBytes);
        this.events = new UnsafeBuffer(all, iocbBytes + pointerBytes, eventBytes);
        this.scratch = new UnsafeBuffer(all, iocbBytes + pointerBytes + eventBytes, SCRATCH_BYTES);
        this.iocbsAddress = iocbs.addressOffset();
        this.iocbPointersAddress = iocbPointers.addressOffset();
        this.eventsAddress = events.addressOffset();
        this.scratchAddress = scratch.addressOffset();
        this.requestBySlot = new AioRequest[n];
        this.kindBySlot = new byte[n];
        this.fdBySlot = new int[n];
        this.barrier = new SyncBarrier(n);
        this.heldBySlot = new boolean[n];
        this.nextHeld = new int[n];
        this.issueSlots = new int[n];
        this.orders = new Int2ObjectHashMap<>(Math.max(8, Math.min(n, 1024)), 0.65f);
        this.posted = new ArrayDeque<>(n);
        this.eventFd = openEventFd();
        this.contextId = setUp(sys, n, scratch, eventFd);
        this.ring = new UnsafeBuffer(contextId, AioRingDescriptor.HEADER_BYTES);
        scratch.putInt(POLLFD_AT + POLLFD_FD_OFFSET, eventFd);
        scratch.putShort(POLLFD_AT + POLLFD_EVENTS_OFFSET, LinuxAioNative.POLLIN);
        scratch.putLong(EVENTFD_ONE_AT, 1L);
    }

    private static int openEventFd() throws AioException {
        int fd = LinuxAioNative.eventfd(0, LinuxAioNative.EFD_NONBLOCK | LinuxAioNative.EFD_CLOEXEC);
        if (fd < 0) {
            throw new AioException("eventfd", null, LinuxAioNative.errno());
        }
        return fd;
    }

    /** io_setup for {@code maxEvents} (the kernel doubles it for its per-CPU accounting). */
    private static long setUp(AioSyscalls sys, int maxEvents, UnsafeBuffer scratch, int eventFd) throws AioException {
        scratch.putLong(CONTEXT_ID_AT, 0L);
        long r;
        do {
            r = sys.ioSetup(maxEvents, scratch.addressOffset() + CONTEXT_ID_AT);
        } while (r == -EINTR);
        if (r < 0) {
            LinuxAioNative.close(eventFd);
            throw new AioException("io_setup", null, (int) -r, LinuxAioProbe.setupFailureDetail((int) -r));
        }
        long id = scratch.getLong(CONTEXT_ID_AT);
        String problem = LinuxAioProbe.ringLayoutProblem(id);
        if (problem != null) {
            sys.ioDestroy(id);
            LinuxAioNative.close(eventFd);
            throw new AioException("io_setup", null, Errno.EOPNOTSUPP.value(), problem);
        }
        return id;
    }

    // ------------------------------------------------------------------ submission

    @Override
    protected int submitRequests(AioRequest[] batch, int from, int count) throws AioException {
        int accepted;
        boolean wake;
        issueLock.lock();
        try {
            assert issueCount == 0 : "issue list left over: " + issueCount;
            for (int i = from; i < from + count; i++) {
                accept(batch[i]);
            }
            int stoppedAtSlot = issueQueued(true);
            accepted = stoppedAtSlot < 0 ? count : unacceptFrom(batch, from, count, stoppedAtSlot);
            if (accepted == 0 && inKernel == 0 && posted.isEmpty()) {
                // Nothing of ours will complete and free kernel room (EAGAIN is then the kernel
                // short of memory): a caller retrying after a reap would spin, so fail loudly.
                throw new AioException("io_submit", null, EAGAIN,
                    "the kernel has no room for AIO requests and none of this context's is in flight");
            }
            wake = takeWake();
        } finally {
            issueLock.unlock();
        }
        if (wake) {
            interruptBlock();
        }
        return accepted;
    }

    /** Records the request and either queues it for io_submit or holds it back. Under issueLock. */
    private void accept(AioRequest r) {
        int slot = slotOf(r);
        int fd = fdOf(r);
        requestBySlot[slot] = r;
        fdBySlot[slot] = fd;
        heldBySlot[slot] = false;
        switch (r.opcode()) {
            case READ -> {
                kindBySlot[slot] = KIND_READ;
                queueForIssue(slot);
            }
            case WRITE -> {
                kindBySlot[slot] = KIND_WRITE;
                acceptWrite(orderOf(fd), slot);
                queueForIssue(slot);
            }
            case APPEND -> {
                kindBySlot[slot] = KIND_APPEND;
                FdOrder order = orderOf(fd);
                acceptWrite(order, slot);
                if (order.appendInKernel) {
                    hold(order.heldAppends, slot);
                } else {
                    order.appendInKernel = true;
                    queueForIssue(slot);
                }
            }
            case SYNC -> {
                kindBySlot[slot] = r.syncMode() == SyncMode.DATA ? KIND_DATA_SYNC : KIND_FILE_SYNC;
                acceptSync(fd, slot);
            }
            default -> throw new AssertionError(r.opcode());
        }
    }

    private void acceptWrite(FdOrder order, int slot) {
        order.writesPending++;
        barrier.acceptWrite(slot, order.nextSeq++);
    }

    private void acceptSync(int fd, int slot) {
        FdOrder order = orders.get(fd);
        if (order == null || order.writesPending == 0) {
            queueForIssue(slot);
            return;
        }
        // writesPending are exactly the writes submitted before this sync and not complete.
        barrier.acceptSync(slot, order.nextSeq++, order.writesPending);
        heldBySlot[slot] = true;
        order.heldSyncs.addLast(slot);
    }

    private void hold(LinkedSlotQueue queue, int slot) {
        heldBySlot[slot] = true;
        queue.addLast(slot);
    }

    private FdOrder orderOf(int fd) {
        FdOrder order = orders.get(fd);
        if (order == null) {
            order = spareOrders.isEmpty() ? new FdOrder(nextHeld) : spareOrders.pollFirst();
            order.fd = fd;
            orders.put(fd, order);
        }
        return order;
    }

    private void retireIfIdle(FdOrder order) {
        if (order.isIdle()) {
            orders.remove(order.fd);
            spareOrders.addLast(order.reset());
        }
    }

    /** Fills the slot's iocb and appends its pointer to the next io_submit. Under issueLock. */
    private void queueForIssue(int slot) {
        fillIocb(slot);
        iocbPointers.putLong(issueCount * Long.BYTES, iocbsAddress + (long) slot * IOCB_BYTES);
        issueSlots[issueCount++] = slot;
    }

    private void fillIocb(int slot) {
        AioRequest r = requestBySlot[slot];
        byte kind = kindBySlot[slot];
        boolean transfer = kind == KIND_READ || kind == KIND_WRITE || kind == KIND_APPEND;
        int at = slot * IOCB_BYTES;
        iocbs.putLong(at + AIO_DATA_OFFSET, slot);
        iocbs.putInt(at + AIO_KEY_OFFSET, 0);
        // RWF_APPEND makes the append explicit per iocb; the file is O_APPEND as well.
        iocbs.putInt(at + AIO_RW_FLAGS_OFFSET, kind == KIND_APPEND ? RWF_APPEND : 0);
        iocbs.putShort(at + AIO_LIO_OPCODE_OFFSET, OPCODE_BY_KIND[kind]);
        iocbs.putShort(at + AIO_REQPRIO_OFFSET, (short) 0);
        iocbs.putInt(at + AIO_FILDES_OFFSET, fdBySlot[slot]);
        // A sync with a buffer, length or offset is refused with EINVAL: they must be zero.
        iocbs.putLong(at + AIO_BUF_OFFSET, transfer ? r.address() : 0L);
        iocbs.putLong(at + AIO_NBYTES_OFFSET, transfer ? r.length() : 0L);
        iocbs.putLong(at + AIO_OFFSET_OFFSET, kind == KIND_READ || kind == KIND_WRITE ? r.offset() : 0L);
        iocbs.putLong(at + AIO_RESERVED2_OFFSET, 0L);
        iocbs.putInt(at + AIO_FLAGS_OFFSET, IOCB_FLAG_RESFD);
        iocbs.putInt(at + AIO_RESFD_OFFSET, eventFd);
    }

    /**
     * Hands {@code issueSlots[0, issueCount)} to the kernel in order: one io_submit when the
     * kernel takes them all. io_submit stops at the first iocb it refuses and reports it as
     * -errno only when it is the first of the call; so after a short count the rest are
     * offered again, and a refused iocb completes with its errno (posted here), which may free
     * held requests that join the list. Under issueLock; empties the list.
     *
     * @param mayStopOnEagain stop at an EAGAIN instead of failing that request, provided nothing
     *     was refused before (then the list is still the caller's batch, in batch order)
     * @return the slot where EAGAIN stopped it (it and the ones after were not issued), or -1
     */
    private int issueQueued(boolean mayStopOnEagain) {
        int issued = 0;
        boolean refusedOne = false;
        try {
            while (issued < issueCount) {
                long r = sys.ioSubmit(contextId, issueCount - issued, iocbPointersAddress + (long) issued * Long.BYTES);
                countIssued(AioCounter.SUBMIT_CALLS);
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
                complete(slot, -errno);
                onLeftKernel(slot);
            }
            return -1;
        } finally {
            issueCount = 0;
        }
    }

    /** Counts what the kernel took, where it took it: the counters say what reached the kernel. */
    private void countKinds(int from, int count) {
        for (int i = from; i < from + count; i++) {
            switch (kindBySlot[issueSlots[i]]) {
                case KIND_READ -> countIssued(AioCounter.READS);
                case KIND_DATA_SYNC -> countIssued(AioCounter.DATA_SYNCS);
                case KIND_FILE_SYNC -> countIssued(AioCounter.FILE_SYNCS);
                default -> countIssued(AioCounter.WRITES);
            }
        }
    }

    /** EAGAIN stopped the batch at {@code stoppedAtSlot}: gives that request and all after it back. */
    private int unacceptFrom(AioRequest[] batch, int from, int count, int stoppedAtSlot) {
        int first = from;
        while (slotOf(batch[first]) != stoppedAtSlot) {
            first++;
        }
        // Newest first, so each held request is the tail of its queue and no sync still counts
        // a write that is being removed.
        for (int i = from + count - 1; i >= first; i--) {
            unaccept(slotOf(batch[i]));
        }
        return first - from;
    }

    private void unaccept(int slot) {
        byte kind = kindBySlot[slot];
        requestBySlot[slot] = null;
        FdOrder order = kind == KIND_READ ? null : orders.get(fdBySlot[slot]);
        if (order == null) {
            return;
        }
        if (kind == KIND_WRITE || kind == KIND_APPEND) {
            order.writesPending--;
            if (kind == KIND_APPEND && heldBySlot[slot]) {
                order.heldAppends.remove(slot);
            } else if (kind == KIND_APPEND) {
                order.appendInKernel = false;
            }
        } else if (heldBySlot[slot]) {
            order.heldSyncs.remove(slot);
        }
        heldBySlot[slot] = false;
        retireIfIdle(order);
    }

    // ------------------------------------------------------------------ completion

    /** Finishes a request the kernel never ran: delivered by the next reap. Under issueLock. */
    private void complete(int slot, int result) {
        AioRequest r = requestBySlot[slot];
        requestBySlot[slot] = null;
        setKernelResult(r, result);
        posted.addLast(r);
        postedCount = posted.size();
        postedSinceWake = true;
    }

    /**
     * The request in {@code slot} left the kernel (completed, or refused by io_submit): a write
     * frees the next held append and the held syncs it was the last earlier write of; they are
     * queued for the caller's next {@link #issueQueued}. Under issueLock.
     */
    private void onLeftKernel(int slot) {
        byte kind = kindBySlot[slot];
        if (kind != KIND_WRITE && kind != KIND_APPEND) {
            return;
        }
        FdOrder order = orders.get(fdBySlot[slot]);
        writeFinished(order, slot);
        if (kind == KIND_APPEND) {
            order.appendInKernel = false;
            int next = order.heldAppends.pollFirst();
            if (next != LinkedSlotQueue.NONE) {
                heldBySlot[next] = false;
                order.appendInKernel = true;
                queueForIssue(next);
            }
        }
        releaseReadySyncs(order);
        retireIfIdle(order);
    }

    private void writeFinished(FdOrder order, int slot) {
        order.writesPending--;
        barrier.writeCompleted(order.heldSyncs, slot);
    }

    /** Held syncs leave in order: a later sync waits for a superset of an earlier one's writes. */
    private void releaseReadySyncs(FdOrder order) {
        for (int slot = barrier.pollReady(order.heldSyncs); slot >= 0; slot = barrier.pollReady(order.heldSyncs)) {
            heldBySlot[slot] = false;
            queueForIssue(slot);
        }
    }

    private boolean takeWake() {
        boolean wake = postedSinceWake;
        postedSinceWake = false;
        return wake;
    }

    @Override
    protected int reapRequests(AioRequest[] out, int off, int max) throws AioException {
        int n = postedCount > 0 ? takePosted(out, off, max) : 0;
        if (n < max) {
            long stamp = ringGuard.readLock();
            try {
                // Looking at the ring first spares the system call when nothing is there.
                if (!ringUnmapped && ringHasEvents()) {
                    n += reapKernel(out, off + n, max - n);
                }
            } finally {
                ringGuard.unlockRead(stamp);
            }
        }
        return n;
    }

    private int takePosted(AioRequest[] out, int off, int max) {
        issueLock.lock();
        try {
            int n = 0;
            while (n < max && !posted.isEmpty()) {
                out[off + n++] = posted.pollFirst();
            }
            postedCount = posted.size();
            return n;
        } finally {
            issueLock.unlock();
        }
    }

    /** Under ringGuard (read) and the base class's reap lock, so events[] has one user. */
    private int reapKernel(AioRequest[] out, int off, int max) throws AioException {
        long got;
        do {
            got = sys.ioGetevents(contextId, 0, Math.min(max, maxInFlight), eventsAddress,
                scratchAddress + ZERO_TIMEOUT_AT);
        } while (got == -EINTR);
        if (got < 0) {
            throw new AioException("io_getevents", null, (int) -got);
        }
        if (got == 0) {
            return 0;
        }
        boolean wake;
        issueLock.lock();
        try {
            for (int i = 0; i < got; i++) {
                int at = i * IO_EVENT_BYTES;
                int slot = (int) events.getLong(at + EVENT_DATA_OFFSET);
                AioRequest r = requestBySlot[slot];
                requestBySlot[slot] = null;
                // res is bytes transferred (an int's worth: lengths are ints) or -errno.
                setKernelResult(r, (int) events.getLong(at + EVENT_RES_OFFSET));
                out[off + i] = r;
                onLeftKernel(slot);
            }
            inKernel -= (int) got;
            issueQueued(false);
            wake = takeWake();
        } finally {
            issueLock.unlock();
        }
        if (wake) {
            interruptBlock();
        }
        return (int) got;
    }

    /** Under ringGuard (read): the kernel stores the event before it moves the tail. */
    private boolean ringHasEvents() {
        return ring.getIntVolatile(TAIL_OFFSET) != ring.getIntVolatile(HEAD_OFFSET);
    }

    // ------------------------------------------------------------------ cancel

    @Override
    protected CancelResult cancelRequest(AioRequest request) {
        CancelResult answer;
        boolean wake;
        issueLock.lock();
        try {
            int slot = slotOf(request);
            if (slot < 0 || requestBySlot[slot] != request) {
                answer = CancelResult.ALL_DONE;
            } else if (heldBySlot[slot]) {
                cancelHeld(slot);
                answer = CancelResult.CANCELED;
            } else {
                answer = askKernelToCancel(slot);
            }
            wake = takeWake();
        } finally {
            issueLock.unlock();
        }
        if (wake) {
            interruptBlock();
        }
        return answer;
    }

    /** A held request never reached the kernel: it is canceled here, and what waited on it moves on. */
    private void cancelHeld(int slot) {
        FdOrder order = orders.get(fdBySlot[slot]);
        heldBySlot[slot] = false;
        if (kindBySlot[slot] == KIND_APPEND) {
            order.heldAppends.remove(slot);
            writeFinished(order, slot);
            releaseReadySyncs(order);
        } else {
            order.heldSyncs.remove(slot);
        }
        complete(slot, -ECANCELED);
        retireIfIdle(order);
        issueQueued(false);
    }

    /**
     * The kernel cancels only iocbs with a cancel method (poll, USB gadget); for the reads,
     * writes and syncs this backend issues it answers EINVAL, running or finished, so the
     * request completes as usual. Should a kernel ever cancel one, its completion still comes
     * through the ring (Linux 5.0+) with the kernel's result, which NOT_CANCELED also covers.
     */
    private CancelResult askKernelToCancel(int slot) {
        long r = sys.ioCancel(contextId, iocbsAddress + (long) slot * IOCB_BYTES, scratchAddress + CANCEL_EVENT_AT);
        assert r < 0 : "io_cancel took a file iocb: " + r;
        return CancelResult.NOT_CANCELED;
    }

    // ------------------------------------------------------------------ blocking

    @Override
    protected void block(int wanted, long timeoutNs) throws AioException {
        long epoch = waiters.epoch();
        if (completionsVisible() || !waiters.becomeLeader(epoch, timeoutNs)) {
            return;
        }
        try {
            waitForEventFd(timeoutNs);
        } finally {
            waiters.stepDown();
        }
    }

    private boolean completionsVisible() {
        if (postedCount > 0) {
            return true;
        }
        long stamp = ringGuard.readLock();
        try {
            return ringUnmapped || ringHasEvents();
        } finally {
            ringGuard.unlockRead(stamp);
        }
    }

    /** The leader's wait: ppoll on the eventfd, then drain it. EINTR returns early. */
    private void waitForEventFd(long timeoutNs) throws AioException {
        long timeoutAddress = 0L;
        if (timeoutNs != AioContext.INFINITE) {
            scratch.putLong(WAIT_TIMEOUT_AT + TIMESPEC_SEC_OFFSET, timeoutNs / NANOS_PER_SECOND);
            scratch.putLong(WAIT_TIMEOUT_AT + TIMESPEC_NSEC_OFFSET, timeoutNs % NANOS_PER_SECOND);
            timeoutAddress = scratchAddress + WAIT_TIMEOUT_AT;
        }
        int ready = LinuxAioNative.ppoll(scratchAddress + POLLFD_AT, 1, timeoutAddress, 0L);
        if (ready < 0) {
            int errno = LinuxAioNative.errno();
            if (errno != EINTR) {
                throw new AioException("ppoll", null, errno);
            }
            return;
        }
        if (ready > 0) {
            long r;
            do {
                r = LinuxAioNative.read(eventFd, scratchAddress + EVENTFD_DRAIN_AT, Long.BYTES);
            } while (r < 0 && LinuxAioNative.errno() == EINTR);
        }
    }

    @Override
    protected void interruptBlock() {
        waiters.wakeAll();
    }

    /** Under the wait's lock, with a leader in ppoll. EAGAIN (counter full) needs nothing: it is readable. */
    private void kickLeader() {
        long r;
        do {
            r = LinuxAioNative.write(eventFd, scratchAddress + EVENTFD_ONE_AT, Long.BYTES);
        } while (r < 0 && LinuxAioNative.errno() == EINTR);
    }

    // ------------------------------------------------------------------ close

    /**
     * Nothing is in flight (the base class checked). Waiters are sent back first so no thread
     * sleeps on a closed eventfd; then the ring is unmapped under the guard's write lock.
     */
    @Override
    protected void closeBackend() throws AioException {
        waiters.close();
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
        LinuxAioNative.close(eventFd);
        if (r < 0) {
            throw new AioException("io_destroy", null, (int) -r);
        }
    }

    /** For tests: how many descriptors have ordering state (0 when idle: the pool took them back). */
    int orderedDescriptors() {
        issueLock.lock();
        try {
            return orders.size();
        } finally {
            issueLock.unlock();
        }
    }
}
