package dev.keel.aio.uring;

import dev.keel.aio.internal.SlotDeque;

/**
 * The ordering state of one file descriptor: what keeps its appends in submission order and
 * makes its syncs wait for every earlier write, on a kernel interface that promises neither.
 *
 * <pre>
 *   accepted on fd ──► callMembers (this submit call only) ─┬─ a sync whose earlier incomplete writes
 *                                                           │  are all in this call (on a DIRECT file: at
 *                                                           │  most one positioned write): the call's writes,
 *                                                           │  appends and syncs ─► heldChain ─► one IO_LINK
 *                                                           │  chain, write ─► ... ─► FSYNC (linkedSyncs)
 *                                                           └─ otherwise:
 *                        WRITE ────────────────────────────────► kernel (no order among writes)
 *                        APPEND ─► heldChain ──────────────────► kernel as one IO_LINK chain
 *                                  (while a chain is in flight)    (next chain when it completes)
 *                        SYNC ───► heldSyncs ──────────────────► kernel once earlierWrites == 0
 * </pre>
 *
 * <p>Barrier numbering: every write (WRITE or APPEND) and sync accepted on the fd takes the
 * next {@code nextPosition}; a write is earlier than a sync exactly when its position is
 * lower. A held or linked sync counts its earlier writes still incomplete; each completing
 * write decrements the syncs it is earlier than ({@link dev.keel.aio.internal.SyncBarrier}).
 * Later syncs wait for a superset, so held syncs become ready in FIFO order, and so do linked ones. Writes submitted after a sync never wait
 * for it: the log's next batch goes to the kernel while the previous sync is in flight.
 *
 * <p>A linked sync is in the kernel behind its writes; it stays in {@code linkedSyncs} only
 * until those writes' completions are processed, so that a sync the kernel canceled with a
 * broken chain can wait for the writes that run again, as a held sync does.
 *
 * <p>Guarded by the context's ring lock; pooled, so steady state allocates nothing. A file
 * with no incomplete write needs no state and goes back to the pool.
 */
final class FileOrder {
    int fd = -1;
    /** WRITEs and APPENDs accepted on the fd whose final completion has not been processed. */
    int incompleteWrites;
    /** The position the next write or sync on this fd takes in its submission order. */
    long nextPosition;
    /** Syncs waiting for earlier writes, in submission order. */
    final SlotDeque heldSyncs = new SlotDeque(4);
    /**
     * Linked syncs in the kernel (or parked with their result) whose earlier writes' completions
     * are not all processed yet, in submission order.
     */
    final SlotDeque linkedSyncs = new SlotDeque(4);
    /**
     * Chain members waiting for the chain in flight, in submission order: appends, and positioned
     * writes and syncs only while a linked call's chain is being built or a broken chain is re-queued.
     */
    final SlotDeque heldChain = new SlotDeque(16);
    /**
     * Members of the current chain that the kernel canceled with it (they never ran), to go
     * first in line again when the chain ends. Only undelivered requests are kept here: a
     * delivered member's slot may already belong to a new request.
     */
    final SlotDeque relinks = new SlotDeque(16);
    /** Write members (WRITE, APPEND) of the chain in flight whose completion has not been processed yet. */
    int chainOutstanding;
    /** Writes, appends and linkable syncs accepted on the fd in the current submit call, in order. */
    final SlotDeque callMembers = new SlotDeque(16);
    /** WRITEs and APPENDs among {@link #callMembers}. */
    int callWrites;
    /** WRITEs (positioned) among {@link #callMembers}: on a DIRECT file a chain takes at most one. */
    int callPositionedWrites;
    /** Index in {@link #callMembers} of the last sync to link behind the call's writes, or -1. */
    int lastLinkedSync = -1;
    /** Set while the fd is on the submit call's list of files with new members. */
    boolean touched;

    boolean isIdle() {
        return incompleteWrites == 0;
    }

    FileOrder reset(int newFd) {
        assert heldSyncs.isEmpty() && linkedSyncs.isEmpty() && heldChain.isEmpty() && relinks.isEmpty()
            && callMembers.isEmpty() && chainOutstanding == 0 : "recycling a busy file order: " + this;
        fd = newFd;
        incompleteWrites = 0;
        nextPosition = 0;
        callWrites = 0;
        callPositionedWrites = 0;
        lastLinkedSync = -1;
        touched = false;
        return this;
    }

    @Override
    public String toString() {
        return "FileOrder[fd=" + fd + " incompleteWrites=" + incompleteWrites + " heldSyncs=" + heldSyncs
            + " linkedSyncs=" + linkedSyncs + " heldChain=" + heldChain + " relinks=" + relinks
            + " chainOutstanding=" + chainOutstanding + "]";
    }
}
