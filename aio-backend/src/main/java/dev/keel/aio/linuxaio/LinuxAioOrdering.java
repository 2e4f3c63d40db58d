package dev.keel.aio.linuxaio;

import dev.keel.aio.AioOpcode;
import dev.keel.aio.SyncMode;
import dev.keel.aio.internal.SyncBarrier;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.ArrayDeque;

/**
 * The ordering that native AIO lacks (the contract's clauses 4 and 5), kept without a kernel: it
 * decides, per request slot, whether the request may go to the kernel now or is held back, and
 * which held requests a finished one releases. What may go now is handed to an {@link Issuer}.
 *
 * <pre>
 *   accept(slot) ─┬─ READ, WRITE ─────────────────────────────────────────────► issue
 *                 ├─ APPEND: an APPEND of the fd in the kernel? no ───────────► issue
 *                 │            └ yes ─► FdOrder.heldAppends (submission order)
 *                 └─ SYNC: earlier WRITEs/APPENDs of the fd incomplete? no ───► issue
 *                              └ yes ─► FdOrder.heldSyncs, counting them (SyncBarrier)
 *   leftKernel(write slot) ─► next held APPEND ─► issue; each held SYNC now at 0 ─► issue
 *   cancelHeld(slot) ─► out of its queue; a held APPEND counts as finished for the syncs behind it
 *   unaccept(slot) ─► as if never accepted (io_submit had no room for it), newest first
 * </pre>
 *
 * <p>The kernel promises no order between iocbs in flight (O_DIRECT writes complete in any
 * order) and an {@code IOCB_CMD_FDSYNC} does not wait for the writes in flight. So each
 * descriptor with writes outstanding has a {@link FdOrder}: at most one APPEND of a descriptor
 * is in the kernel, later ones wait in submission order; a SYNC reaches the kernel only when
 * every WRITE and APPEND submitted before it on the descriptor has completed (counted per held
 * sync, so a completing write releases exactly the syncs it was ahead of). Positioned WRITEs
 * are never held, not even behind a held SYNC (they need no order, and the next group commit's
 * writes then overlap the previous sync), and READs carry no ordering at all. The price is one
 * append in flight per file; a log that writes at explicit offsets into a preallocated O_DIRECT
 * segment gets the full queue depth.
 *
 * <p>Per-slot state lives in primitive arrays and held appends are linked through
 * {@code int[] nextHeld}; {@link FdOrder}s are pooled, so nothing is allocated per request in
 * steady state. Not thread safe: the context calls it under its issue lock, and the
 * {@link Issuer} runs under that lock too.
 */
final class LinuxAioOrdering {
    static final byte KIND_READ = 0;
    static final byte KIND_WRITE = 1;
    static final byte KIND_APPEND = 2;
    static final byte KIND_DATA_SYNC = 3;
    static final byte KIND_FILE_SYNC = 4;

    /** Receives each slot that may go to the kernel now, in the order it may go. */
    @FunctionalInterface
    interface Issuer {
        void issue(int slot);
    }

    private final Issuer issuer;
    private final byte[] kindBySlot;
    private final int[] fdBySlot;
    /** Per slot: position on its descriptor; for a held SYNC, its earlier WRITEs and APPENDs not yet complete. */
    private final SyncBarrier barrier;
    private final boolean[] heldBySlot;
    private final int[] nextHeld;
    private final Int2ObjectHashMap<FdOrder> orders;
    private final ArrayDeque<FdOrder> spareOrders = new ArrayDeque<>();

    LinuxAioOrdering(int slots, Issuer issuer) {
        this.issuer = issuer;
        this.kindBySlot = new byte[slots];
        this.fdBySlot = new int[slots];
        this.barrier = new SyncBarrier(slots);
        this.heldBySlot = new boolean[slots];
        this.nextHeld = new int[slots];
        this.orders = new Int2ObjectHashMap<>(Math.max(8, Math.min(slots, 1024)), 0.65f);
    }

    static boolean isWrite(byte kind) {
        return kind == KIND_WRITE || kind == KIND_APPEND;
    }

    /** The slot's request kind, one of the {@code KIND_*} constants. */
    byte kind(int slot) {
        return kindBySlot[slot];
    }

    int fd(int slot) {
        return fdBySlot[slot];
    }

    /** True while the slot's request waits here, not yet handed to the kernel. */
    boolean isHeld(int slot) {
        return heldBySlot[slot];
    }

    /** How many descriptors have ordering state (0 when idle: the pool took them back). */
    int orderedDescriptors() {
        return orders.size();
    }

    /** Records the request in {@code slot} and either issues it or holds it back. */
    void accept(int slot, AioOpcode opcode, SyncMode syncMode, int fd) {
        fdBySlot[slot] = fd;
        heldBySlot[slot] = false;
        switch (opcode) {
            case READ -> {
                kindBySlot[slot] = KIND_READ;
                issuer.issue(slot);
            }
            case WRITE -> {
                kindBySlot[slot] = KIND_WRITE;
                acceptWrite(orderOf(fd), slot);
                issuer.issue(slot);
            }
            case APPEND -> {
                kindBySlot[slot] = KIND_APPEND;
                FdOrder order = orderOf(fd);
                acceptWrite(order, slot);
                if (order.appendInKernel) {
                    heldBySlot[slot] = true;
                    order.heldAppends.addLast(slot);
                } else {
                    order.appendInKernel = true;
                    issuer.issue(slot);
                }
            }
            case SYNC -> {
                kindBySlot[slot] = syncMode == SyncMode.DATA ? KIND_DATA_SYNC : KIND_FILE_SYNC;
                acceptSync(fd, slot);
            }
            default -> throw new AssertionError(opcode);
        }
    }

    private void acceptWrite(FdOrder order, int slot) {
        order.writesPending++;
        barrier.acceptWrite(slot, order.nextSeq++);
    }

    private void acceptSync(int fd, int slot) {
        FdOrder order = orders.get(fd);
        if (order == null || order.writesPending == 0) {
            issuer.issue(slot);
            return;
        }
        // writesPending are exactly the writes submitted before this sync and not complete.
        barrier.acceptSync(slot, order.nextSeq++, order.writesPending);
        heldBySlot[slot] = true;
        order.heldSyncs.addLast(slot);
    }

    /**
     * Takes back an accepted request that never reached the kernel (io_submit had no room). Call
     * it newest first, so each held request is the tail of its queue and no sync still counts a
     * write that is being removed.
     */
    void unaccept(int slot) {
        byte kind = kindBySlot[slot];
        FdOrder order = kind == KIND_READ ? null : orders.get(fdBySlot[slot]);
        if (order == null) {
            return;
        }
        if (isWrite(kind)) {
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

    /**
     * The request in {@code slot} left the kernel (completed, or refused by io_submit): a write
     * issues the next held append and the held syncs it was the last earlier write of.
     */
    void leftKernel(int slot) {
        byte kind = kindBySlot[slot];
        if (!isWrite(kind)) {
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
                issuer.issue(next);
            }
        }
        releaseReadySyncs(order);
        retireIfIdle(order);
    }

    /**
     * A held request is canceled: it never reached the kernel, so it leaves its queue here, and
     * a canceled APPEND counts as finished for the syncs that waited on it (they may be issued).
     */
    void cancelHeld(int slot) {
        assert heldBySlot[slot] : "slot " + slot + " is not held";
        FdOrder order = orders.get(fdBySlot[slot]);
        heldBySlot[slot] = false;
        if (kindBySlot[slot] == KIND_APPEND) {
            order.heldAppends.remove(slot);
            writeFinished(order, slot);
            releaseReadySyncs(order);
        } else {
            order.heldSyncs.remove(slot);
        }
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
            issuer.issue(slot);
        }
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
}
