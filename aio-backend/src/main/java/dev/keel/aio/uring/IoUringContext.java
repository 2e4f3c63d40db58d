package dev.keel.aio.uring;

import dev.keel.aio.AbstractAioContext;
import dev.keel.aio.AddressOf;
import dev.keel.aio.AioCounter;
import dev.keel.aio.AioException;
import dev.keel.aio.AioLimits;
import dev.keel.aio.AioOpcode;
import dev.keel.aio.AioOptions;
import dev.keel.aio.AioRequest;
import dev.keel.aio.CancelResult;
import dev.keel.aio.Errno;
import dev.keel.aio.OpenFlag;
import dev.keel.aio.SyncMode;
import dev.keel.aio.internal.SlotDeque;
import dev.keel.aio.internal.SyncBarrier;
import org.agrona.BufferUtil;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

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
 * An AIO context on one io_uring instance.
 *
 * <pre>
 *  submit(batch) ──ringLock──► accept each request ─┬─ READ ─────────────────────────────────► SQE
 *                                                   ├─ WRITE, APPEND, SYNC ─► FileOrder.callMembers (per fd)
 *                                                   └─ SYNC with earlier writes from older calls ─► heldSyncs
 *                              per fd at the end of the call:
 *                                a linked sync ─► writes, appends, syncs as one IO_LINK chain: W ─► W ─► FSYNC
 *                                otherwise ─────► WRITEs unlinked; APPENDs ─► heldChain ─► SQE chain (IO_LINK)
 *                              store-release SQ tail, ONE io_uring_enter(to_submit = all new SQEs)
 *
 *  poll/await ──reapLock──► load-acquire CQ tail, copy CQEs, store-release CQ head
 *                           READ / unlinked SYNC CQE ────────────────────────► delivered (no lock)
 *                           WRITE / APPEND / linked SYNC / retry CQE ──ringLock──► FileOrder bookkeeping: release
 *                                                       held syncs and the next append chain into SQEs, one enter
 *  block ─► io_uring_enter(GETEVENTS | EXT_ARG, min_complete 1, timeout), only when nothing is ready
 *  wakeup ─► NOP SQE with user_data WAKEUP (filtered by reap, at most one in the ring)
 *  cancel ─► held request: completed here with ECANCELED; in the kernel: ASYNC_CANCEL on its user_data
 * </pre>
 *
 * <h2>Ordering (contract clauses 4 and 5)</h2>
 * io_uring runs unlinked SQEs in any order: appends to an O_APPEND file land out of order and an
 * FSYNC may run before an earlier write. Per file descriptor, {@link FileOrder} holds back what
 * must wait. Appends accepted while the fd has an append chain in flight wait in user space; when
 * the chain completes, every held append goes to the kernel as the next IO_LINK chain (several
 * submit calls become one chain: one kernel entry, and the kernel runs them back to back).
 * Positioned writes and reads are never held. IOSQE_IO_DRAIN is not used: it would wait for the
 * whole ring and stop the next batch's writes from overlapping the previous sync.
 *
 * <p>Syncs, two ways. <b>Linked</b>: when every write on the fd that is not yet complete was
 * accepted in the same submit call as the sync (the log's batch: positioned writes, then the
 * barrier sync), the call's writes, appends and syncs on that fd go to the kernel as one IO_LINK
 * chain in submission order, {@code write ─► write ─► FSYNC}: the kernel starts the sync right
 * after the last write, with no trip through user space, in the same io_uring_enter. The
 * barrier holds because the chain covers every earlier write still incomplete; positioned
 * writes after the call's last sync stay out of the chain. <b>Held</b>: when an earlier
 * incomplete write came from an earlier call, no chain can cover it; the sync waits in user
 * space until every write accepted before it on the fd has completed, and is then issued from
 * the reap path. The price of a chain is that its writes run one after another, not side by
 * side. Buffered writes to one file serialize in the file system anyway (ext4 takes the inode
 * lock; io_uring hands them to kernel workers), so linking them costs little: measured here,
 * 16 buffered writes plus a sync per call ran about as fast linked as held. DIRECT writes run
 * side by side and queue depth pays on these disks (16 DIRECT writes plus a sync: about 3,000
 * calls/s held, 900 linked; two: 3,300 against 2,400), so on a DIRECT file a sync is linked
 * behind at most one positioned write; appends are chained anyway and always take the sync along.
 *
 * <p>Chains without collateral damage: the kernel cancels the rest of a chain with ECANCELED when
 * a member fails, is short, or is canceled by the user. Those members never ran, so this context
 * puts the writes and appends back at the head of the held chain members, in their order, and
 * issues them again as the next chain: each completes with its own result, as the threads backend
 * gives it. A linked sync the kernel canceled that way becomes a held sync: it is issued again,
 * alone, once every earlier write has its final result (the failed one, and those that ran
 * again), so its own result is a real fdatasync's, after them; it never reports success for
 * a write that failed, which carries its own error. The same goes for any ECANCELED the user
 * did not ask for and for EINTR: the request runs again. Exactly: no accepted request is ever
 * canceled because another one failed; ECANCELED (state CANCELED) is delivered only for a request
 * that {@link #cancel} answered CANCELED. A linked sync's completion is never delivered before
 * those of its chain's writes: the kernel posts them in chain order, and should one come first
 * anyway it is parked until they are processed.
 *
 * <p>poll and await never enter the kernel to look for completions that are already in the CQ
 * ring; reaping enters it only to submit what the completions released (a held sync, the next
 * append chain), since nobody else might.
 *
 * <h2>Kernel tags</h2>
 * user_data is {@code generation << 16 | slot} for requests (the per-slot generation keeps a late
 * ASYNC_CANCEL from hitting a later request in the same slot), all ones for the wakeup NOP, and
 * bit 62 plus a sequence number for ASYNC_CANCEL operations.
 *
 * <h2>Sizes</h2>
 * The SQ has the next power of two at or above maxInFlight entries: every SQE written between
 * two kernel entries belongs to a distinct request in flight (or is the lone NOP or cancel of
 * its own entry), so the SQ can never be full and a chain is never split across entries. The CQ
 * has twice that: maxInFlight request completions, one NOP and the cancel answers fit; beyond
 * that IORING_FEAT_NODROP keeps completions in the kernel and reap flushes them.
 *
 * <p>Locks: the base class's submit lock, then {@code ringLock} (SQ producer state, per-fd
 * ordering, per-slot phase). The base's reap lock, then {@code cqLock} (the CQ consumer), then
 * {@code ringLock}. {@code cancelLock} (one kernel cancel at a time), then {@code cqLock}, then
 * {@code ringLock}. Nothing blocks in the kernel while
 * holding {@code ringLock}: submit entries never wait for completions.
 */
final class IoUringContext extends AbstractAioContext {
    /** DIRECT transfers aligned to a page work on any device with sectors up to 4 KiB. */
    private static final int DIRECT_ALIGNMENT_BYTES = 4096;
    private static final long WAKEUP_USER_DATA = -1L;
    private static final long CANCEL_USER_DATA = 1L << 62;
    private static final int SLOT_BITS = 16;
    private static final int SLOT_MASK = (1 << SLOT_BITS) - 1;
    private static final int EINTR = Errno.EINTR.value();
    private static final int EAGAIN = Errno.EAGAIN.value();
    private static final int EBUSY = Errno.EBUSY.value();
    private static final int ETIME = Errno.ETIME.value();
    private static final int ENOENT = Errno.ENOENT.value();
    private static final int ECANCELED = Errno.ECANCELED.value();
    /** Consecutive EAGAIN/EBUSY answers to a submit entry before its SQEs fail with that errno. */
    private static final int TRANSIENT_ENTER_RETRIES = 64;
    /** cancel waits for its answer in slices this long, re-checking the CQ in between. */
    private static final long CANCEL_WAIT_SLICE_NS = 1_000_000L;
    /** The answer used when waiting for the kernel's failed: the request is treated as not canceled. */
    private static final int NO_ANSWER = Integer.MIN_VALUE;

    private static final byte PHASE_HELD = 1;
    private static final byte PHASE_ISSUED = 2;
    private static final byte PHASE_REAPED = 3;

    /** One wait-argument block per thread that blocks: the kernel copies it at entry. */
    private static final ThreadLocal<UnsafeBuffer> WAIT_ARG = ThreadLocal.withInitial(
        () -> new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 64)));

    static {
        assert AioOptions.MAX_MAX_IN_FLIGHT <= SLOT_MASK + 1 : "slots must fit in user_data's low 16 bits";
    }

    private final IoUringRing ring;
    private final ReentrantLock ringLock = new ReentrantLock();
    private final ReentrantLock cancelLock = new ReentrantLock();
    /** The CQ consumer: a reaper (under the base's reap lock too) or a cancel absorbing completions. */
    private final ReentrantLock cqLock = new ReentrantLock();
    /** Threads using the ring memory; close waits for them to leave before unmapping. */
    private final AtomicInteger ringUsers = new AtomicInteger();

    // Per slot. slotRequest is written with release before the SQE is published and read with
    // acquire by reap; the rest is guarded by ringLock.
    private final AtomicReferenceArray<AioRequest> slotRequest;
    private final int[] slotGeneration;
    private final byte[] phase;
    private final FileOrder[] slotOrder;
    /** Position in the file's order; for a held or linked sync, its earlier writes not yet complete. */
    private final SyncBarrier barrier;
    /** A sync issued at the tail of its writes' chain (fixed for the request's life; read by reap after slotRequest). */
    private final boolean[] syncLinked;
    /** A linked sync still in its file's linkedSyncs. */
    private final boolean[] linkTracked;
    /** A linked sync whose result came before its writes' completions were processed, and the result. */
    private final boolean[] parked;
    private final int[] parkedResult;
    private final boolean[] inChain;
    /** Position in its chain, to put canceled members back in their order. */
    private final int[] chainPosition;
    private final boolean[] userCanceled;

    // Per file descriptor (ringLock).
    private final Int2ObjectHashMap<FileOrder> orders = new Int2ObjectHashMap<>();
    private final ArrayDeque<FileOrder> spareOrders = new ArrayDeque<>();
    private final FileOrder[] touched;
    private int touchedCount;

    // SQ producer (ringLock).
    private int sqTail;
    private int sqUnsubmitted;
    private final long[] failedUserData;

    // Completions made by the backend itself: canceled held requests, failed submissions (ringLock).
    private final SlotDeque localDone;
    /** Parked syncs released by a write's completion, posted right after that write (ringLock). */
    private final SlotDeque releasedSyncs;
    private volatile int localDoneCount;
    private boolean wakeNeeded;

    // CQ consumer (cqLock).
    private int cqHead;
    private final long[] reapedUserData;
    private final int[] reapedResults;
    private final AioRequest[] reapedRequests;

    private final AtomicBoolean wakeupNopPending = new AtomicBoolean();

    // Cancel (cancelLock, plus ringLock for the target fields).
    private long cancelSequence;
    private volatile long cancelAnswerTag;
    private volatile int cancelAnswerResult;
    private int cancelTargetSlot = -1;
    private boolean cancelTargetParked;

    // Registered buffers: [fixedBase[i], fixedEnd[i]) is buffer index i.
    private final long[] fixedBase;
    private final long[] fixedEnd;
    private final List<ByteBuffer> fixedBuffers;

    // For tests and diagnostics.
    private final AtomicLong enterCalls = new AtomicLong();
    private final AtomicLong fixedTransfers = new AtomicLong();
    private final AtomicLong chainsIssued = new AtomicLong();
    private final AtomicLong reissues = new AtomicLong();
    private final AtomicLong linkedSyncsIssued = new AtomicLong();
    private final AtomicLong heldSyncsIssued = new AtomicLong();
    private final AtomicLong parkedSyncs = new AtomicLong();

    IoUringContext(AioOptions options) throws AioException {
        this(options, 0);
    }

    /** With {@code cqEntries} other than 0, a CQ of that size: tests use a small one to force overflow. */
    IoUringContext(AioOptions options, int cqEntries) throws AioException {
        super(IoUringBackend.NAME, new AioLimits(options.maxInFlight(), DIRECT_ALIGNMENT_BYTES));
        int n = options.maxInFlight();
        int sqEntries = Math.max(4, Math.min(IoUringParamsDescriptor.MAX_SQ_ENTRIES, ceilPowerOfTwo(n)));
        assert sqEntries >= n : "SQ of " + sqEntries + " cannot hold " + n + " requests";
        this.ring = IoUringRing.open(sqEntries, cqEntries == 0 ? 2 * sqEntries : cqEntries);
        this.fixedBuffers = options.registeredBuffers();
        this.fixedBase = new long[fixedBuffers.size()];
        this.fixedEnd = new long[fixedBuffers.size()];
        try {
            registerBuffers();
        } catch (AioException | RuntimeException e) {
            ring.close();
            throw e;
        }
        this.slotRequest = new AtomicReferenceArray<>(n);
        this.slotGeneration = new int[n];
        this.phase = new byte[n];
        this.slotOrder = new FileOrder[n];
        this.barrier = new SyncBarrier(n);
        this.syncLinked = new boolean[n];
        this.linkTracked = new boolean[n];
        this.parked = new boolean[n];
        this.parkedResult = new int[n];
        this.inChain = new boolean[n];
        this.chainPosition = new int[n];
        this.userCanceled = new boolean[n];
        this.touched = new FileOrder[n];
        this.failedUserData = new long[ring.sqEntries()];
        this.localDone = new SlotDeque(n);
        this.releasedSyncs = new SlotDeque(16);
        this.reapedUserData = new long[n];
        this.reapedResults = new int[n];
        this.reapedRequests = new AioRequest[n];
    }

    private static int ceilPowerOfTwo(int value) {
        return value <= 1 ? 1 : Integer.highestOneBit(value - 1) << 1;
    }

    // ================================================================== submit

    @Override
    protected int submitRequests(AioRequest[] batch, int from, int count) {
        boolean wake;
        ringLock.lock();
        try {
            for (int i = from; i < from + count; i++) {
                accept(batch[i]);
            }
            issueTouchedChains();
            flushSubmissions();
            wake = takeWakeNeeded();
        } finally {
            ringLock.unlock();
        }
        if (wake) {
            interruptBlock();
        }
        return count;
    }

    /**
     * Issues a read now; puts a write, append or sync in its file's order, to be issued at the
     * end of the call, linked or not, or held. Under ringLock.
     */
    private void accept(AioRequest r) {
        int slot = slotOf(r);
        slotGeneration[slot]++;
        userCanceled[slot] = false;
        inChain[slot] = false;
        syncLinked[slot] = false;
        linkTracked[slot] = false;
        parked[slot] = false;
        slotOrder[slot] = null;
        switch (r.opcode()) {
            case READ -> issue(slot, r, 0);
            case WRITE, APPEND -> {
                FileOrder o = acceptWrite(slot, fdOf(r));
                phase[slot] = PHASE_HELD;
                o.callMembers.addLast(slot);
                o.callWrites++;
                if (r.opcode() == AioOpcode.WRITE) {
                    o.callPositionedWrites++;
                }
                if (!o.touched) {
                    o.touched = true;
                    touched[touchedCount++] = o;
                }
            }
            case SYNC -> acceptSync(slot, r);
            default -> throw new AssertionError(r.opcode());
        }
        // Last, with release: a reaper that finds the request here also sees the fields above.
        slotRequest.lazySet(slot, r);
    }

    private FileOrder acceptWrite(int slot, int fd) {
        FileOrder o = orders.get(fd);
        if (o == null) {
            o = spareOrders.isEmpty() ? new FileOrder() : spareOrders.pollFirst();
            orders.put(fd, o.reset(fd));
        }
        o.incompleteWrites++;
        barrier.acceptWrite(slot, o.nextPosition++);
        slotOrder[slot] = o;
        return o;
    }

    /**
     * A sync with no incomplete earlier write on its fd goes now; one whose incomplete earlier
     * writes were all accepted in this call is linked behind them (on a DIRECT file, behind at
     * most one positioned write); otherwise it is held.
     */
    private void acceptSync(int slot, AioRequest r) {
        FileOrder o = orders.get(fdOf(r));
        if (o == null) {
            issue(slot, r, 0);
            return;
        }
        assert o.incompleteWrites > 0 : "an idle file order was kept: " + o;
        barrier.acceptSync(slot, o.nextPosition++, o.incompleteWrites);
        slotOrder[slot] = o;
        phase[slot] = PHASE_HELD;
        if (o.callWrites == o.incompleteWrites
            && (o.callPositionedWrites <= 1 || !r.file().flags().contains(OpenFlag.DIRECT))) {
            // Incomplete writes from an earlier call would be chain members, held appends or
            // relinks: none of them can be in flight or waiting now.
            assert o.chainOutstanding == 0 && o.heldChain.isEmpty() && o.relinks.isEmpty()
                && o.heldSyncs.isEmpty() && (o.linkedSyncs.isEmpty() || o.lastLinkedSync >= 0)
                : "linking behind older writes: " + o;
            syncLinked[slot] = true;
            linkTracked[slot] = true;
            o.linkedSyncs.addLast(slot);
            o.lastLinkedSync = o.callMembers.size();
            o.callMembers.addLast(slot);
        } else {
            o.heldSyncs.addLast(slot);
        }
    }

    /**
     * Issues what this call accepted on each file: with a linked sync, everything up to the
     * last such sync (and the appends after it) as one chain; otherwise positioned writes
     * unlinked and appends as the next append chain, unless one is in flight.
     */
    private void issueTouchedChains() {
        for (int i = 0; i < touchedCount; i++) {
            FileOrder o = touched[i];
            touched[i] = null;
            o.touched = false;
            SlotDeque members = o.callMembers;
            int lastLinked = o.lastLinkedSync;
            for (int k = 0; k < members.size(); k++) {
                int slot = members.get(k);
                AioRequest r = slotRequest.get(slot);
                if (k <= lastLinked || r.opcode() == AioOpcode.APPEND) {
                    o.heldChain.addLast(slot);
                } else {
                    issue(slot, r, 0);
                }
            }
            members.clear();
            o.callWrites = 0;
            o.callPositionedWrites = 0;
            o.lastLinkedSync = -1;
            if (o.chainOutstanding == 0 && !o.heldChain.isEmpty()) {
                issueChain(o);
            }
        }
        touchedCount = 0;
    }

    /**
     * Issues every held chain member of the file as one IO_LINK chain, in order. Writes and
     * appends are the chain's bookkept members; a sync in it is tracked by its file's
     * linkedSyncs instead, so the next append chain need not wait for it. Under ringLock.
     */
    private void issueChain(FileOrder o) {
        assert o.chainOutstanding == 0 && o.relinks.isEmpty() : "a chain is already in flight: " + o;
        int n = o.heldChain.size();
        int writes = 0;
        for (int i = 0; i < n; i++) {
            int slot = o.heldChain.pollFirst();
            AioRequest r = slotRequest.get(slot);
            if (r.opcode() == AioOpcode.SYNC) {
                assert syncLinked[slot] : "an unlinked sync in a chain: slot " + slot;
                linkedSyncsIssued.incrementAndGet();
            } else {
                inChain[slot] = true;
                chainPosition[slot] = i;
                writes++;
            }
            issue(slot, r, i < n - 1 ? IOSQE_IO_LINK : 0);
        }
        o.chainOutstanding = writes;
        chainsIssued.incrementAndGet();
    }

    /** Writes the request's SQE; counted here, where the kernel gets the operation. Under ringLock. */
    private void issue(int slot, AioRequest r, int sqeFlags) {
        long userData = ((slotGeneration[slot] & 0xFFFF_FFFFL) << SLOT_BITS) | slot;
        int fd = fdOf(r);
        switch (r.opcode()) {
            case READ -> {
                countIssued(AioCounter.READS);
                int buf = fixedBufferIndex(r);
                writeSqe(buf < 0 ? IORING_OP_READ : IORING_OP_READ_FIXED, sqeFlags, fd, r.offset(), r.address(),
                    r.length(), 0, userData, Math.max(buf, 0));
            }
            case WRITE, APPEND -> {
                countIssued(AioCounter.WRITES);
                int buf = fixedBufferIndex(r);
                // Offset -1 is "the file position", as write(2) has it; O_APPEND then writes at the end.
                long offset = r.opcode() == AioOpcode.APPEND ? -1L : r.offset();
                writeSqe(buf < 0 ? IORING_OP_WRITE : IORING_OP_WRITE_FIXED, sqeFlags, fd, offset, r.address(),
                    r.length(), 0, userData, Math.max(buf, 0));
            }
            case SYNC -> {
                boolean data = r.syncMode() == SyncMode.DATA;
                countIssued(data ? AioCounter.DATA_SYNCS : AioCounter.FILE_SYNCS);
                writeSqe(IORING_OP_FSYNC, sqeFlags, fd, 0, 0, 0, data ? IORING_FSYNC_DATASYNC : 0, userData, 0);
            }
            default -> throw new AssertionError(r.opcode());
        }
        phase[slot] = PHASE_ISSUED;
    }

    /** The registered buffer holding the whole transfer, or -1. */
    private int fixedBufferIndex(AioRequest r) {
        long start = r.address();
        long end = start + r.length();
        for (int i = 0; i < fixedBase.length; i++) {
            if (start >= fixedBase[i] && end <= fixedEnd[i]) {
                fixedTransfers.incrementAndGet();
                return i;
            }
        }
        return -1;
    }

    private void writeSqe(int opcode, int sqeFlags, int fd, long offset, long address, int length, int opFlags,
                          long userData, int bufIndex) {
        if (sqUnsubmitted == ring.sqEntries()) {
            // Unreachable by the sizing in the class comment; entering keeps the ring correct anyway.
            assert false : "SQ full with " + sqUnsubmitted + " unsubmitted entries";
            flushSubmissions();
        }
        ring.writeSqe(sqTail, opcode, sqeFlags, fd, offset, address, length, opFlags, userData, bufIndex);
        sqTail++;
        sqUnsubmitted++;
    }

    /**
     * Publishes the SQ tail and enters the kernel once for every SQE written since the last
     * entry. Never throws: SQEs the kernel would not take complete with its errno. Under ringLock.
     */
    private void flushSubmissions() {
        int transientFailures = 0;
        while (sqUnsubmitted > 0) {
            ring.publishSqTail(sqTail);
            enterCalls.incrementAndGet();
            int r = IoUringSyscalls.enter(ring.fd(), sqUnsubmitted, 0, 0, 0, 0);
            if (r > 0) {
                countIssued(AioCounter.SUBMIT_CALLS);
                sqUnsubmitted -= Math.min(r, sqUnsubmitted);
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

    /** Takes back the SQEs the kernel did not consume and completes each with -errno. */
    private void failUnsubmitted(int errno) {
        int n = sqUnsubmitted;
        int first = sqTail - n;
        for (int i = 0; i < n; i++) {
            failedUserData[i] = ring.sqeUserData(first + i);
        }
        sqTail = first;
        sqUnsubmitted = 0;
        ring.publishSqTail(sqTail);
        for (int i = 0; i < n; i++) {
            long userData = failedUserData[i];
            if (userData == WAKEUP_USER_DATA) {
                wakeupNopPending.set(false);
            } else if ((userData & CANCEL_USER_DATA) != 0) {
                recordCancelAnswer(userData, -errno);
            } else {
                int slot = (int) (userData & SLOT_MASK);
                if (finish(slot, -errno)) {
                    postLocal(slot);
                }
            }
        }
    }

    // ================================================================== reap

    @Override
    protected int reapRequests(AioRequest[] out, int off, int max) throws AioException {
        if (!enterRing()) {
            return 0;
        }
        cqLock.lock();
        try {
            int n = 0;
            while (n < max) {
                // Local completions first: a sync released by a canceled held append is issued
                // after the append was posted here, so the append is delivered before the sync.
                if (localDoneCount > 0) {
                    n += drainLocal(out, off + n, max - n);
                    if (n == max) {
                        break;
                    }
                }
                int k = consumeCompletions(max - n);
                if (k == 0) {
                    if (flushOverflow()) {
                        continue;
                    }
                    break;
                }
                n += finishReaped(out, off + n, k);
            }
            return n;
        } finally {
            cqLock.unlock();
            exitRing();
        }
    }

    /**
     * Consumes every CQE in the ring (and the overflow list) now, posting the finished requests to
     * the local completions for the next reap. For cancel, which needs its answer even when no
     * thread is reaping, without letting unconsumed CQEs pile up.
     */
    private void absorbCompletions() throws AioException {
        boolean wake;
        cqLock.lock();
        try {
            while (true) {
                int k = consumeCompletions(reapedUserData.length);
                if (k == 0) {
                    if (flushOverflow()) {
                        continue;
                    }
                    break;
                }
                ringLock.lock();
                try {
                    for (int i = 0; i < k; i++) {
                        int slot = (int) (reapedUserData[i] & SLOT_MASK);
                        if (finish(slot, reapedResults[i])) {
                            postLocal(slot);
                        }
                    }
                    flushSubmissions();
                } finally {
                    ringLock.unlock();
                }
            }
        } finally {
            cqLock.unlock();
        }
        ringLock.lock();
        try {
            wake = takeWakeNeeded();
        } finally {
            ringLock.unlock();
        }
        if (wake) {
            interruptBlock();
        }
    }

    /**
     * Copies up to {@code limit} request CQEs into the reap scratch arrays and hands their
     * entries back to the kernel; NOP and cancel answers are consumed on the way. Under cqLock.
     */
    private int consumeCompletions(int limit) {
        limit = Math.min(limit, reapedUserData.length);
        int head = cqHead;
        int tail = ring.cqTailAcquire();
        int k = 0;
        while (head != tail && k < limit) {
            long userData = ring.cqeUserData(head);
            int res = ring.cqeResult(head);
            head++;
            if (userData == WAKEUP_USER_DATA) {
                wakeupNopPending.set(false);
            } else if ((userData & CANCEL_USER_DATA) != 0) {
                recordCancelAnswer(userData, res);
            } else {
                reapedUserData[k] = userData;
                reapedResults[k] = res;
                k++;
            }
        }
        if (head != cqHead) {
            cqHead = head;
            ring.releaseCqHead(head);
        }
        return k;
    }

    /**
     * Delivers the k reaped completions into out. Reads and unlinked syncs finish without a lock;
     * writes, appends, linked syncs and anything to retry go through the file order under
     * ringLock, where released syncs and chains are issued with one kernel entry. Returns how
     * many were delivered.
     */
    private int finishReaped(AioRequest[] out, int at, int k) {
        boolean needLock = false;
        for (int i = 0; i < k; i++) {
            int slot = (int) (reapedUserData[i] & SLOT_MASK);
            AioRequest r = slotRequest.get(slot);
            reapedRequests[i] = r;
            int res = reapedResults[i];
            AioOpcode op = r.opcode();
            needLock |= res == -EINTR || res == -ECANCELED || op == AioOpcode.WRITE || op == AioOpcode.APPEND
                || syncLinked[slot];
        }
        int delivered = 0;
        if (!needLock) {
            for (int i = 0; i < k; i++) {
                setKernelResult(reapedRequests[i], reapedResults[i]);
                out[at + delivered++] = reapedRequests[i];
                reapedRequests[i] = null;
            }
            return delivered;
        }
        ringLock.lock();
        try {
            for (int i = 0; i < k; i++) {
                if (finish((int) (reapedUserData[i] & SLOT_MASK), reapedResults[i])) {
                    out[at + delivered++] = reapedRequests[i];
                }
                reapedRequests[i] = null;
            }
            postReleasedSyncs();
            flushSubmissions();
        } finally {
            ringLock.unlock();
        }
        return delivered;
    }

    /**
     * Applies one kernel result to the request in {@code slot}: true when it is final (result
     * set, ready to deliver), false when the request went back to the kernel or waits. Under ringLock.
     */
    private boolean finish(int slot, int res) {
        AioRequest r = slotRequest.get(slot);
        phase[slot] = PHASE_REAPED;
        if (res == -ECANCELED && slot == cancelTargetSlot) {
            // Canceled while our own ASYNC_CANCEL for it is unanswered: its answer decides.
            cancelTargetParked = true;
            return false;
        }
        // EINTR and a cancel nobody asked for (chain broken by an earlier member, submitting
        // thread exited) mean the request did not run: it runs again, in its place.
        boolean retry = res == -EINTR || (res == -ECANCELED && !userCanceled[slot]);
        if (retry) {
            reissues.incrementAndGet();
        }
        if (inChain[slot]) {
            FileOrder o = slotOrder[slot];
            inChain[slot] = false;
            if (retry) {
                o.relinks.addLast(slot);
            }
            if (--o.chainOutstanding == 0) {
                endChain(o);
            }
            if (retry) {
                return false;
            }
            completeWrite(o, slot);
        } else if (linkTracked[slot]) {
            return settleLinkedSync(slot, res, retry);
        } else if (retry) {
            issue(slot, r, 0);
            return false;
        } else if (r.opcode() == AioOpcode.WRITE || r.opcode() == AioOpcode.APPEND) {
            completeWrite(slotOrder[slot], slot);
        }
        setKernelResult(r, res);
        return true;
    }

    /**
     * A linked sync came back while some of its earlier writes have no final result yet. Canceled
     * with its broken chain (or EINTR): it did not run, and the writes before it will run again,
     * so it waits for them as a held sync. With a result: the kernel ran it after its writes (the
     * link), but their completions are not processed yet; it is parked and delivered after them.
     */
    private boolean settleLinkedSync(int slot, int res, boolean retry) {
        FileOrder o = slotOrder[slot];
        if (!retry) {
            parkedSyncs.incrementAndGet();
            parked[slot] = true;
            parkedResult[slot] = res;
            return false;
        }
        boolean removed = o.linkedSyncs.remove(slot);
        assert removed : "linked sync " + slot + " not in " + o;
        linkTracked[slot] = false;
        barrier.insertInOrder(o.heldSyncs, slot);
        phase[slot] = PHASE_HELD;
        return false;
    }

    /** The file's chain has completed: canceled members go first in line, then the next chain starts. */
    private void endChain(FileOrder o) {
        SlotDeque relinks = o.relinks;
        // Re-queue from the latest chain position down, so they end up in chain order (a selection
        // sort: this runs only after a failure or a cancel broke the chain).
        while (!relinks.isEmpty()) {
            int latest = 0;
            for (int i = 1; i < relinks.size(); i++) {
                if (chainPosition[relinks.get(i)] > chainPosition[relinks.get(latest)]) {
                    latest = i;
                }
            }
            int slot = relinks.get(latest);
            relinks.remove(slot);
            phase[slot] = PHASE_HELD;
            o.heldChain.addFirst(slot);
        }
        if (!o.heldChain.isEmpty()) {
            issueChain(o);
        }
    }

    /**
     * A write reached its final result: held syncs that waited only for it and its elders go now;
     * linked syncs stop being tracked, and a parked one is released (the caller delivers the
     * write, then {@link #postReleasedSyncs} the sync).
     */
    private void completeWrite(FileOrder o, int slot) {
        o.incompleteWrites--;
        SlotDeque held = o.heldSyncs;
        SlotDeque linked = o.linkedSyncs;
        barrier.writeCompleted(held, slot);
        barrier.writeCompleted(linked, slot);
        for (int s = barrier.pollReady(held); s >= 0; s = barrier.pollReady(held)) {
            heldSyncsIssued.incrementAndGet();
            issue(s, slotRequest.get(s), 0);
        }
        for (int s = barrier.pollReady(linked); s >= 0; s = barrier.pollReady(linked)) {
            linkTracked[s] = false;
            if (parked[s]) {
                parked[s] = false;
                setKernelResult(slotRequest.get(s), parkedResult[s]);
                releasedSyncs.addLast(s);
            }
        }
        if (o.isIdle()) {
            assert held.isEmpty() && linked.isEmpty() && o.heldChain.isEmpty() && o.chainOutstanding == 0
                : "idle but busy: " + o;
            orders.remove(o.fd);
            spareOrders.addLast(o);
        }
    }

    /** Queues a request the backend completed itself for the next reap, then any sync it released. Under ringLock. */
    private void postLocal(int slot) {
        localDone.addLast(slot);
        postReleasedSyncs();
        localDoneCount = localDone.size();
        wakeNeeded = true;
    }

    /** Queues the parked syncs that completed writes released, after those writes. Under ringLock. */
    private void postReleasedSyncs() {
        if (releasedSyncs.isEmpty()) {
            return;
        }
        while (!releasedSyncs.isEmpty()) {
            localDone.addLast(releasedSyncs.pollFirst());
        }
        localDoneCount = localDone.size();
        wakeNeeded = true;
    }

    private boolean takeWakeNeeded() {
        boolean wake = wakeNeeded;
        wakeNeeded = false;
        return wake;
    }

    private int drainLocal(AioRequest[] out, int at, int max) {
        ringLock.lock();
        try {
            int n = 0;
            while (n < max && !localDone.isEmpty()) {
                out[at + n++] = slotRequest.get(localDone.pollFirst());
            }
            localDoneCount = localDone.size();
            wakeNeeded = false;
            return n;
        } finally {
            ringLock.unlock();
        }
    }

    /** With completions waiting in the kernel's overflow list, enters to move them into the ring. */
    private boolean flushOverflow() throws AioException {
        if ((ring.sqFlags() & IoUringRing.IORING_SQ_CQ_OVERFLOW) == 0) {
            return false;
        }
        enterCalls.incrementAndGet();
        int r = IoUringSyscalls.enter(ring.fd(), 0, 0, IoUringSyscalls.IORING_ENTER_GETEVENTS, 0, 0);
        if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
            throw new AioException("io_uring_enter", null, -r, "flushing the CQ overflow list");
        }
        return ring.completionsReady();
    }

    // ================================================================== block and wakeup

    @Override
    protected void block(int wanted, long timeoutNs) throws AioException {
        if (!enterRing()) {
            return;
        }
        try {
            if (localDoneCount > 0 || ring.completionsReady() || flushOverflow()) {
                return;
            }
            // min_complete is 1, not wanted: a single CQE (the wakeup NOP) must wake every
            // waiter, and a held sync only reaches the kernel after a reap.
            awaitCompletion(timeoutNs);
        } finally {
            exitRing();
        }
    }

    /** io_uring_enter(GETEVENTS | EXT_ARG, min_complete 1) with a relative timeout; returns early on EINTR. */
    private void awaitCompletion(long timeoutNs) throws AioException {
        UnsafeBuffer arg = WAIT_ARG.get();
        arg.putLong(GeteventsArgDescriptor.SIGMASK_OFFSET, 0L);
        arg.putInt(GeteventsArgDescriptor.SIGMASK_SZ_OFFSET, 0);
        arg.putInt(GeteventsArgDescriptor.PAD_OFFSET, 0);
        if (timeoutNs == INFINITE) {
            arg.putLong(GeteventsArgDescriptor.TS_OFFSET, 0L);
        } else {
            arg.putLong(GeteventsArgDescriptor.TS_OFFSET, arg.addressOffset() + GeteventsArgDescriptor.TV_SEC_OFFSET);
            arg.putLong(GeteventsArgDescriptor.TV_SEC_OFFSET, timeoutNs / 1_000_000_000L);
            arg.putLong(GeteventsArgDescriptor.TV_NSEC_OFFSET, timeoutNs % 1_000_000_000L);
        }
        enterCalls.incrementAndGet();
        int r = IoUringSyscalls.enter(ring.fd(), 0, 1,
            IoUringSyscalls.IORING_ENTER_GETEVENTS | IoUringSyscalls.IORING_ENTER_EXT_ARG,
            arg.addressOffset(), GeteventsArgDescriptor.ARG_BYTES);
        if (r < 0 && r != -ETIME && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
            throw new AioException("io_uring_enter", null, -r, "waiting for completions");
        }
    }

    @Override
    protected void interruptBlock() {
        if (!enterRing()) {
            return;
        }
        try {
            postWakeup();
        } finally {
            exitRing();
        }
    }

    /**
     * Submits the wakeup NOP unless one is already on its way: while its CQE is in the ring,
     * every io_uring_enter(GETEVENTS) returns at once, so a second one would add nothing.
     */
    private void postWakeup() {
        if (!wakeupNopPending.compareAndSet(false, true)) {
            return;
        }
        ringLock.lock();
        try {
            writeSqe(IORING_OP_NOP, 0, -1, 0, 0, 0, 0, WAKEUP_USER_DATA, 0);
            flushSubmissions();
        } finally {
            ringLock.unlock();
        }
    }

    // ================================================================== cancel

    @Override
    protected CancelResult cancelRequest(AioRequest r) throws AioException {
        if (!enterRing()) {
            return CancelResult.ALL_DONE;
        }
        cancelLock.lock();
        try {
            return cancelOne(r);
        } finally {
            cancelLock.unlock();
            exitRing();
        }
    }

    private CancelResult cancelOne(AioRequest r) throws AioException {
        int slot;
        long tag;
        boolean wake;
        ringLock.lock();
        try {
            slot = slotOf(r);
            if (slot < 0 || slotRequest.get(slot) != r || isKernelDone(r)) {
                return CancelResult.ALL_DONE;
            }
            if (phase[slot] != PHASE_HELD && phase[slot] != PHASE_ISSUED) {
                return CancelResult.NOT_CANCELED;   // reaped and going back to the kernel: it will run
            }
            if (phase[slot] == PHASE_HELD) {
                cancelHeld(slot, r);
                wake = takeWakeNeeded();
                tag = 0;
            } else {
                wake = false;
                long target = ((slotGeneration[slot] & 0xFFFF_FFFFL) << SLOT_BITS) | slot;
                tag = CANCEL_USER_DATA | ++cancelSequence;
                cancelTargetSlot = slot;
                writeSqe(IORING_OP_ASYNC_CANCEL, 0, -1, 0, target, 0, 0, tag, 0);
                flushSubmissions();
            }
        } finally {
            ringLock.unlock();
        }
        if (tag == 0) {
            if (wake) {
                interruptBlock();
            }
            return CancelResult.CANCELED;
        }
        int answer;
        try {
            answer = awaitCancelAnswer(tag);
        } catch (AioException | RuntimeException e) {
            settleCancel(r, slot, NO_ANSWER);
            throw e;
        }
        return settleCancel(r, slot, answer);
    }

    /** A request still in its file's queue never reached the kernel: it completes here. */
    private void cancelHeld(int slot, AioRequest r) {
        FileOrder o = slotOrder[slot];
        if (r.opcode() == AioOpcode.SYNC) {
            boolean removed = o.heldSyncs.remove(slot);
            assert removed : "held sync " + slot + " not in " + o;
        } else {
            boolean removed = o.heldChain.remove(slot);
            assert removed : "held chain member " + slot + " not in " + o;
            completeWrite(o, slot);
        }
        phase[slot] = PHASE_REAPED;
        userCanceled[slot] = true;
        setKernelResult(r, -ECANCELED);
        postLocal(slot);
        flushSubmissions();
    }

    /** Maps the kernel's answer to aio_cancel's, and releases a completion parked while waiting for it. */
    private CancelResult settleCancel(AioRequest r, int slot, int answer) {
        CancelResult result;
        boolean wake;
        ringLock.lock();
        try {
            if (answer == 0) {
                result = CancelResult.CANCELED;
            } else if (answer == -ENOENT && isKernelDone(r)) {
                result = CancelResult.ALL_DONE;
            } else {
                result = CancelResult.NOT_CANCELED;   // EALREADY: running; ENOENT: a chain member not started
            }
            userCanceled[slot] = result == CancelResult.CANCELED;
            cancelTargetSlot = -1;
            if (cancelTargetParked) {
                cancelTargetParked = false;
                if (finish(slot, -ECANCELED)) {
                    postLocal(slot);
                }
                flushSubmissions();
            }
            wake = takeWakeNeeded();
        } finally {
            ringLock.unlock();
        }
        if (wake) {
            interruptBlock();
        }
        return result;
    }

    /**
     * Waits for the ASYNC_CANCEL's own CQE. It is usually posted during the submitting entry;
     * this thread consumes the ring itself rather than count on a reaper, so the answer (and the
     * target's completion, if it came first: ALL_DONE) is known even in a single-threaded caller.
     */
    private int awaitCancelAnswer(long tag) throws AioException {
        while (true) {
            if (cancelAnswerTag == tag) {
                return cancelAnswerResult;
            }
            absorbCompletions();
            if (cancelAnswerTag == tag) {
                return cancelAnswerResult;
            }
            awaitCompletion(CANCEL_WAIT_SLICE_NS);
        }
    }

    private void recordCancelAnswer(long tag, int res) {
        cancelAnswerResult = res;
        cancelAnswerTag = tag;
    }

    // ================================================================== lifecycle

    private boolean enterRing() {
        ringUsers.incrementAndGet();
        if (isClosed()) {
            ringUsers.decrementAndGet();
            return false;
        }
        return true;
    }

    private void exitRing() {
        ringUsers.decrementAndGet();
    }

    private void registerBuffers() throws AioException {
        int n = fixedBuffers.size();
        if (n == 0) {
            return;
        }
        ByteBuffer iovecMemory = BufferUtil.allocateDirectAligned(16 * n, 16);
        UnsafeBuffer iovecs = new UnsafeBuffer(iovecMemory);
        long totalBytes = 0;
        for (int i = 0; i < n; i++) {
            ByteBuffer b = fixedBuffers.get(i);
            if (b.capacity() == 0) {
                throw new IllegalArgumentException("registeredBuffers[" + i + "] has capacity 0: nothing to register");
            }
            fixedBase[i] = AddressOf.buffer(b);
            fixedEnd[i] = fixedBase[i] + b.capacity();
            iovecs.putLong(16 * i, fixedBase[i]);
            iovecs.putLong(16 * i + 8, b.capacity());
            totalBytes += b.capacity();
        }
        int r;
        do {
            r = IoUringSyscalls.register(ring.fd(), IoUringSyscalls.IORING_REGISTER_BUFFERS, iovecs.addressOffset(), n);
        } while (r == -EINTR);
        if (r < 0) {
            throw new AioException("io_uring_register(IORING_REGISTER_BUFFERS)", null, -r,
                registrationHint(-r, n, totalBytes));
        }
    }

    /** What to do about a failed registration; ENOMEM is almost always RLIMIT_MEMLOCK. */
    static String registrationHint(int errno, int buffers, long totalBytes) {
        String what = buffers + " buffers, " + totalBytes + " bytes";
        if (errno == Errno.ENOMEM.value()) {
            return what + ": over RLIMIT_MEMLOCK (" + memlockLimit() + ") for a process without CAP_IPC_LOCK;"
                + " raise it (ulimit -l, LimitMEMLOCK=) or register less";
        }
        if (errno == Errno.EINVAL.value()) {
            return what + ": more than 16384 buffers, or one over 1 GiB";
        }
        if (errno == Errno.EFAULT.value()) {
            return what + ": a buffer is not ordinary anonymous or file memory";
        }
        return what;
    }

    private static String memlockLimit() {
        UnsafeBuffer rlimit = new UnsafeBuffer(BufferUtil.allocateDirectAligned(IoUringSyscalls.RLIMIT_BYTES, 8));
        if (IoUringSyscalls.getLimit(IoUringSyscalls.RLIMIT_MEMLOCK, rlimit.addressOffset()) < 0) {
            return "unknown";
        }
        long current = rlimit.getLong(0);
        return current == IoUringSyscalls.RLIM_INFINITY ? "unlimited" : current + " bytes";
    }

    @Override
    protected void closeBackend() throws AioException {
        // The base class marked the context closed: no thread starts using the ring any more.
        // Wake the ones inside (a waiter in io_uring_enter) and let them leave before unmapping.
        while (ringUsers.get() > 0) {
            postWakeup();
            LockSupport.parkNanos(100_000L);
        }
        try {
            if (fixedBase.length > 0) {
                int r = IoUringSyscalls.register(ring.fd(), IoUringSyscalls.IORING_UNREGISTER_BUFFERS, 0, 0);
                if (r < 0) {
                    throw new AioException("io_uring_register(IORING_UNREGISTER_BUFFERS)", null, -r);
                }
            }
        } finally {
            ring.close();
        }
    }

    // ================================================================== for tests

    /** io_uring_enter calls made so far, to submit or to wait. */
    long enterCalls() {
        return enterCalls.get();
    }

    /** Transfers issued as READ_FIXED or WRITE_FIXED. */
    long fixedTransfers() {
        return fixedTransfers.get();
    }

    /** IO_LINK append chains issued (a single append counts as a chain of one). */
    long chainsIssued() {
        return chainsIssued.get();
    }

    /** Requests that came back with EINTR or a cancel nobody asked for, and went to the kernel again. */
    long reissues() {
        return reissues.get();
    }

    /** Syncs issued as the tail of their writes' IO_LINK chain, in the entry that submitted them. */
    long linkedSyncsIssued() {
        return linkedSyncsIssued.get();
    }

    /** Held syncs issued once their earlier writes completed (from the reap or cancel path). */
    long heldSyncsIssued() {
        return heldSyncsIssued.get();
    }

    /** Linked syncs whose completion came before their writes' were processed (expected: never). */
    long parkedSyncs() {
        return parkedSyncs.get();
    }

    /** Requests held back in user space (appends behind a chain, syncs behind writes). */
    int heldRequests() {
        ringLock.lock();
        try {
            int held = 0;
            for (FileOrder o : orders.values()) {
                held += o.heldChain.size() + o.heldSyncs.size();
            }
            return held;
        } finally {
            ringLock.unlock();
        }
    }

    /** The backend's state, for a test that failed: file orders and every request not finished. */
    String describe() {
        ringLock.lock();
        try {
            StringBuilder sb = new StringBuilder("IoUringContext inFlight=").append(inFlight())
                .append(" localDone=").append(localDone).append(" cancelTargetSlot=").append(cancelTargetSlot)
                .append(" parked=").append(cancelTargetParked).append(" nopPending=").append(wakeupNopPending.get())
                .append(" readyCqes=").append(readyCompletions()).append(" sqUnsubmitted=").append(sqUnsubmitted);
            for (FileOrder o : orders.values()) {
                sb.append("\n  ").append(o);
            }
            for (int slot = 0; slot < phase.length; slot++) {
                AioRequest r = slotRequest.get(slot);
                if (r != null && r.state() == dev.keel.aio.RequestState.SUBMITTED && !isKernelDone(r)) {
                    sb.append("\n  slot ").append(slot).append(" phase=").append(phase[slot]).append(" inChain=")
                        .append(inChain[slot]).append(" linked=").append(syncLinked[slot]).append(" tracked=")
                        .append(linkTracked[slot]).append(" parked=").append(parked[slot]).append(" chainPosition=").append(chainPosition[slot]).append(" userCanceled=")
                        .append(userCanceled[slot]).append(" earlierWrites=").append(barrier.earlierWrites(slot))
                        .append(" position=").append(barrier.position(slot))
                        .append(' ').append(r);
                }
            }
            return sb.toString();
        } finally {
            ringLock.unlock();
        }
    }

    /** CQEs waiting in the ring, unconsumed. */
    int readyCompletions() {
        return ring.cqTailAcquire() - ring.cqHeadAcquire();
    }

    /** True while completions wait in the kernel's overflow list (IORING_SQ_CQ_OVERFLOW). */
    boolean overflowFlagged() {
        return (ring.sqFlags() & IoUringRing.IORING_SQ_CQ_OVERFLOW) != 0;
    }

    boolean wakeupNopPending() {
        return wakeupNopPending.get();
    }

    /** True when CQEs wait in the ring, unconsumed. */
    boolean completionsReady() {
        return ring.completionsReady();
    }

    int sqEntries() {
        return ring.sqEntries();
    }

    int cqEntries() {
        return ring.cqEntries();
    }
}
