package dev.keel.aio.uring;

import dev.keel.aio.AioOpcode;
import dev.keel.aio.Errno;
import dev.keel.aio.internal.SlotDeque;
import dev.keel.aio.internal.SyncBarrier;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The io_uring backend's ordering core: per file, what may go to the kernel now, what goes as
 * one IO_LINK chain, and what waits in user space (contract clauses 4 and 5). It makes no
 * system call and touches no ring: it tells {@link Kernel} which slot to issue, linked or not,
 * and is told each kernel result back through {@link #finish}. So it is tested on its own by a
 * scripted kernel ({@code IoUringOrderingTest}), including what a real kernel cannot be made to
 * do on demand: a chain broken by an error, a linked sync canceled with it, completions in any
 * order.
 *
 * <pre>
 *  accept(slot) ─┬─ READ ───────────────────────────────────────────────────────► issue now
 *                ├─ SYNC, nothing incomplete on its fd ─────────────────────────► issue now
 *                └─ WRITE, APPEND, SYNC ─► FileOrder.callMembers
 *  endCall() per file touched by the call:
 *       a linked sync ─► writes, appends, syncs up to it ─► heldChain ─► one IO_LINK chain
 *       otherwise ────► WRITEs issued unlinked; APPENDs ─► heldChain ─► next chain (none in flight)
 *       SYNC behind writes of older calls ─► heldSyncs (SyncBarrier count-down)
 *  finish(slot, res):
 *       EINTR or an ECANCELED nobody asked for ─► runs again (a chain member: back at the head
 *       of heldChain in chain order, reissued as the next chain once this one ends)
 *       a write's final result ─► counts down held and linked syncs; ready held syncs issue
 *       a linked sync back before its writes were processed ─► parked, released after them
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
 * a member fails, is short, or is canceled by the user. Those members never ran, so the ordering
 * puts the writes and appends back at the head of the held chain members, in their order, and
 * issues them again as the next chain: each completes with its own result, as the threads backend
 * gives it. A linked sync the kernel canceled that way becomes a held sync: it is issued again,
 * alone, once every earlier write has its final result (the failed one, and those that ran
 * again), so its own result is a real fdatasync's, after them; it never reports success for
 * a write that failed, which carries its own error. The same goes for any ECANCELED the user
 * did not ask for and for EINTR: the request runs again. Exactly: no accepted request is ever
 * canceled because another one failed; ECANCELED (state CANCELED) is delivered only for a request
 * that the context's cancel answered CANCELED. A linked sync's completion is never delivered before
 * those of its chain's writes: the kernel posts them in chain order, and should one come first
 * anyway it is parked until they are processed.
 *
 * <p>Phases of a slot:
 * {@link #PHASE_HELD} (in user space; {@link #cancelHeld} takes it out), {@link #PHASE_ISSUED}
 * (its SQE is written), {@link #PHASE_REAPED} (a kernel result was processed; it may have
 * gone back to the kernel or be parked). Not thread safe: the context calls it under its ring
 * lock. Pooled file orders and per-slot records sized once: steady state allocates nothing.
 */
final class IoUringOrdering {
    static final byte PHASE_HELD = 1;
    static final byte PHASE_ISSUED = 2;
    static final byte PHASE_REAPED = 3;
    private static final int EINTR = Errno.EINTR.value();
    private static final int ECANCELED = Errno.ECANCELED.value();

    /** What the ordering asks of the submission side. */
    interface Kernel {
        /** Writes the slot's SQE now; with {@code linkNext}, IOSQE_IO_LINK ties the next SQE to it. */
        void issue(int slot, boolean linkNext);

        /** A parked linked sync's result is final now: deliver it right after the write being completed. */
        void releaseParked(int slot, int result);
    }

    /** One request slot's ordering state (its position and count-down are in the barrier). */
    private static final class SlotState {
        AioOpcode opcode;
        byte phase;
        /** The file order of a WRITE, APPEND or held/linked SYNC; null for the rest. */
        FileOrder order;
        /** A sync issued at the tail of its writes' chain (fixed for the request's life; read by reap unlocked). */
        boolean syncLinked;
        /** A linked sync still in its file's linkedSyncs. */
        boolean linkTracked;
        /** A linked sync whose result came before its writes' completions were processed, and the result. */
        boolean parked;
        int parkedResult;
        /** A write member of the chain in flight, and its position there (to re-queue in order). */
        boolean inChain;
        int chainPosition;
        /** cancel answered CANCELED: its ECANCELED is final, not a reason to run again. */
        boolean userCanceled;
    }

    private final Kernel kernel;
    private final SlotState[] slots;
    private final SyncBarrier barrier;
    private final Int2ObjectHashMap<FileOrder> orders = new Int2ObjectHashMap<>();
    private final ArrayDeque<FileOrder> spareOrders = new ArrayDeque<>();
    /** Files with members accepted in the current submit call. */
    private final FileOrder[] touched;
    private int touchedCount;

    // Diagnostics, read by tests without the ring lock.
    private final AtomicLong chainsIssued = new AtomicLong();
    private final AtomicLong reissues = new AtomicLong();
    private final AtomicLong linkedSyncsIssued = new AtomicLong();
    private final AtomicLong heldSyncsIssued = new AtomicLong();
    private final AtomicLong parkedSyncs = new AtomicLong();

    IoUringOrdering(int slotCount, Kernel kernel) {
        this.kernel = kernel;
        this.slots = new SlotState[slotCount];
        for (int i = 0; i < slotCount; i++) {
            slots[i] = new SlotState();
        }
        this.barrier = new SyncBarrier(slotCount);
        this.touched = new FileOrder[slotCount];
    }

    // ================================================================== accept

    /**
     * Issues a read (or a sync with nothing incomplete before it) now; puts a write, append or
     * sync in its file's order, to be issued by {@link #endCall}, linked or not, or held.
     *
     * @param direct the file is O_DIRECT (a sync then links behind at most one positioned write)
     */
    void accept(int slot, AioOpcode opcode, int fd, boolean direct) {
        SlotState s = slots[slot];
        s.opcode = opcode;
        s.userCanceled = false;
        s.inChain = false;
        s.syncLinked = false;
        s.linkTracked = false;
        s.parked = false;
        s.order = null;
        switch (opcode) {
            case READ -> issue(slot, false);
            case WRITE, APPEND -> acceptWrite(slot, s, fd);
            case SYNC -> acceptSync(slot, s, fd, direct);
            default -> throw new AssertionError(opcode);
        }
    }

    private void acceptWrite(int slot, SlotState s, int fd) {
        FileOrder o = orders.get(fd);
        if (o == null) {
            o = spareOrders.isEmpty() ? new FileOrder() : spareOrders.pollFirst();
            orders.put(fd, o.reset(fd));
        }
        o.incompleteWrites++;
        barrier.acceptWrite(slot, o.nextPosition++);
        s.order = o;
        s.phase = PHASE_HELD;
        o.callMembers.addLast(slot);
        o.callWrites++;
        if (s.opcode == AioOpcode.WRITE) {
            o.callPositionedWrites++;
        }
        if (!o.touched) {
            o.touched = true;
            touched[touchedCount++] = o;
        }
    }

    /**
     * A sync with no incomplete earlier write on its fd goes now; one whose incomplete earlier
     * writes were all accepted in this call is linked behind them (on a DIRECT file, behind at
     * most one positioned write); otherwise it is held.
     */
    private void acceptSync(int slot, SlotState s, int fd, boolean direct) {
        FileOrder o = orders.get(fd);
        if (o == null) {
            issue(slot, false);
            return;
        }
        assert o.incompleteWrites > 0 : "an idle file order was kept: " + o;
        barrier.acceptSync(slot, o.nextPosition++, o.incompleteWrites);
        s.order = o;
        s.phase = PHASE_HELD;
        if (o.callWrites == o.incompleteWrites && (o.callPositionedWrites <= 1 || !direct)) {
            // Incomplete writes from an earlier call would be chain members, held appends or
            // relinks: none of them can be in flight or waiting now.
            assert o.chainOutstanding == 0 && o.heldChain.isEmpty() && o.relinks.isEmpty()
                && o.heldSyncs.isEmpty() && (o.linkedSyncs.isEmpty() || o.lastLinkedSync >= 0)
                : "linking behind older writes: " + o;
            s.syncLinked = true;
            s.linkTracked = true;
            o.linkedSyncs.addLast(slot);
            o.lastLinkedSync = o.callMembers.size();
            o.callMembers.addLast(slot);
        } else {
            o.heldSyncs.addLast(slot);
        }
    }

    /**
     * The submit call has accepted all its requests: issues what it accepted on each file, with
     * a linked sync everything up to the last such sync (and the appends after it) as one chain;
     * otherwise positioned writes unlinked and appends as the next append chain, unless one is
     * in flight.
     */
    void endCall() {
        for (int i = 0; i < touchedCount; i++) {
            FileOrder o = touched[i];
            touched[i] = null;
            o.touched = false;
            SlotDeque members = o.callMembers;
            int lastLinked = o.lastLinkedSync;
            for (int k = 0; k < members.size(); k++) {
                int slot = members.get(k);
                if (k <= lastLinked || slots[slot].opcode == AioOpcode.APPEND) {
                    o.heldChain.addLast(slot);
                } else {
                    issue(slot, false);
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
     * linkedSyncs instead, so the next append chain need not wait for it.
     */
    private void issueChain(FileOrder o) {
        assert o.chainOutstanding == 0 && o.relinks.isEmpty() : "a chain is already in flight: " + o;
        int n = o.heldChain.size();
        int writes = 0;
        for (int i = 0; i < n; i++) {
            int slot = o.heldChain.pollFirst();
            SlotState s = slots[slot];
            if (s.opcode == AioOpcode.SYNC) {
                assert s.syncLinked : "an unlinked sync in a chain: slot " + slot;
                linkedSyncsIssued.incrementAndGet();
            } else {
                s.inChain = true;
                s.chainPosition = i;
                writes++;
            }
            issue(slot, i < n - 1);
        }
        o.chainOutstanding = writes;
        chainsIssued.incrementAndGet();
    }

    private void issue(int slot, boolean linkNext) {
        kernel.issue(slot, linkNext);
        slots[slot].phase = PHASE_ISSUED;
    }

    // ================================================================== finish

    /** False when a completion can be delivered as it is, with no ordering bookkeeping (reads, unlinked syncs). */
    boolean needsOrdering(int slot, int res) {
        SlotState s = slots[slot];
        AioOpcode op = s.opcode;
        return res == -EINTR || res == -ECANCELED || op == AioOpcode.WRITE || op == AioOpcode.APPEND || s.syncLinked;
    }

    /**
     * Applies one kernel result to the request in {@code slot}: true when it is final (the
     * caller sets it and delivers the request), false when the request went back to the kernel
     * or waits.
     */
    boolean finish(int slot, int res) {
        SlotState s = slots[slot];
        s.phase = PHASE_REAPED;
        // EINTR and a cancel nobody asked for (chain broken by an earlier member, submitting
        // thread exited) mean the request did not run: it runs again, in its place.
        boolean retry = res == -EINTR || (res == -ECANCELED && !s.userCanceled);
        if (retry) {
            reissues.incrementAndGet();
        }
        if (s.inChain) {
            FileOrder o = s.order;
            s.inChain = false;
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
        } else if (s.linkTracked) {
            return settleLinkedSync(slot, s, res, retry);
        } else if (retry) {
            issue(slot, false);
            return false;
        } else if (s.opcode == AioOpcode.WRITE || s.opcode == AioOpcode.APPEND) {
            completeWrite(s.order, slot);
        }
        return true;
    }

    /**
     * A linked sync came back while some of its earlier writes have no final result yet. Canceled
     * with its broken chain (or EINTR): it did not run, and the writes before it will run again,
     * so it waits for them as a held sync. With a result: the kernel ran it after its writes (the
     * link), but their completions are not processed yet; it is parked and delivered after them.
     */
    private boolean settleLinkedSync(int slot, SlotState s, int res, boolean retry) {
        if (!retry) {
            parkedSyncs.incrementAndGet();
            s.parked = true;
            s.parkedResult = res;
            return false;
        }
        FileOrder o = s.order;
        boolean removed = o.linkedSyncs.remove(slot);
        assert removed : "linked sync " + slot + " not in " + o;
        s.linkTracked = false;
        barrier.insertInOrder(o.heldSyncs, slot);
        s.phase = PHASE_HELD;
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
                if (slots[relinks.get(i)].chainPosition > slots[relinks.get(latest)].chainPosition) {
                    latest = i;
                }
            }
            int slot = relinks.get(latest);
            relinks.remove(slot);
            slots[slot].phase = PHASE_HELD;
            o.heldChain.addFirst(slot);
        }
        if (!o.heldChain.isEmpty()) {
            issueChain(o);
        }
    }

    /**
     * A write reached its final result: held syncs that waited only for it and its elders go now;
     * linked syncs stop being tracked, and a parked one is released (after the write).
     */
    private void completeWrite(FileOrder o, int slot) {
        o.incompleteWrites--;
        SlotDeque held = o.heldSyncs;
        SlotDeque linked = o.linkedSyncs;
        barrier.writeCompleted(held, slot);
        barrier.writeCompleted(linked, slot);
        for (int s = barrier.pollReady(held); s >= 0; s = barrier.pollReady(held)) {
            heldSyncsIssued.incrementAndGet();
            issue(s, false);
        }
        for (int s = barrier.pollReady(linked); s >= 0; s = barrier.pollReady(linked)) {
            SlotState sync = slots[s];
            sync.linkTracked = false;
            if (sync.parked) {
                sync.parked = false;
                kernel.releaseParked(s, sync.parkedResult);
            }
        }
        if (o.isIdle()) {
            assert held.isEmpty() && linked.isEmpty() && o.heldChain.isEmpty() && o.chainOutstanding == 0
                : "idle but busy: " + o;
            orders.remove(o.fd);
            spareOrders.addLast(o);
        }
    }

    // ================================================================== cancel

    byte phase(int slot) {
        return slots[slot].phase;
    }

    /** The phase a request takes when a result came back that something else decides (a cancel's answer). */
    void markReaped(int slot) {
        slots[slot].phase = PHASE_REAPED;
    }

    /** Records cancel's answer: a CANCELED request's ECANCELED is final, anything else's is retried. */
    void setUserCanceled(int slot, boolean canceled) {
        slots[slot].userCanceled = canceled;
    }

    /**
     * A request still in its file's queue never reached the kernel: it leaves the queue, and
     * what waited for it moves on (the caller completes it with ECANCELED).
     */
    void cancelHeld(int slot) {
        SlotState s = slots[slot];
        assert s.phase == PHASE_HELD : "not held: slot " + slot;
        FileOrder o = s.order;
        if (s.opcode == AioOpcode.SYNC) {
            boolean removed = o.heldSyncs.remove(slot);
            assert removed : "held sync " + slot + " not in " + o;
        } else {
            boolean removed = o.heldChain.remove(slot);
            assert removed : "held chain member " + slot + " not in " + o;
            completeWrite(o, slot);
        }
        s.phase = PHASE_REAPED;
        s.userCanceled = true;
    }

    // ================================================================== diagnostics

    /** Requests held back in user space (appends behind a chain, syncs behind writes). */
    int heldRequests() {
        int held = 0;
        for (FileOrder o : orders.values()) {
            held += o.heldChain.size() + o.heldSyncs.size();
        }
        return held;
    }

    /** Files with ordering state (0 when idle: the pool took them back). */
    int orderedFiles() {
        return orders.size();
    }

    void describeFiles(StringBuilder sb) {
        for (FileOrder o : orders.values()) {
            sb.append("\n  ").append(o);
        }
    }

    void describeSlot(int slot, StringBuilder sb) {
        SlotState s = slots[slot];
        sb.append(" phase=").append(s.phase).append(" inChain=").append(s.inChain).append(" linked=")
            .append(s.syncLinked).append(" tracked=").append(s.linkTracked).append(" parked=").append(s.parked)
            .append(" chainPosition=").append(s.chainPosition).append(" userCanceled=").append(s.userCanceled)
            .append(" earlierWrites=").append(barrier.earlierWrites(slot)).append(" position=")
            .append(barrier.position(slot));
    }

    long chainsIssued() {
        return chainsIssued.get();
    }

    long reissues() {
        return reissues.get();
    }

    long linkedSyncsIssued() {
        return linkedSyncsIssued.get();
    }

    long heldSyncsIssued() {
        return heldSyncsIssued.get();
    }

    long parkedSyncs() {
        return parkedSyncs.get();
    }
}
