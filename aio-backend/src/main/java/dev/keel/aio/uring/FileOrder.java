package dev.keel.aio.uring;

/**
 * The ordering state of one file descriptor: what keeps its appends in submission order and
 * makes its syncs wait for every earlier write, on a kernel interface that promises neither.
 *
 * <pre>
 *   accepted on fd ──► WRITE ─────────────────────────────► kernel (no order among writes)
 *                  ├─► APPEND ─► heldAppends ──────────────► kernel as one IO_LINK chain
 *                  │             (while a chain is in flight)   (next chain when it completes)
 *                  └─► SYNC ───► heldSyncs ────────────────► kernel once earlierWrites == 0
 * </pre>
 *
 * <p>Barrier numbering: every sync accepted on the fd takes the next {@code syncsAccepted}
 * number; every write (WRITE or APPEND) records the number the next sync will take, its
 * generation. A write is earlier than a sync exactly when its generation is at most the sync's
 * number. A held sync counts its earlier writes still incomplete; each completing write
 * decrements the held syncs it is earlier than. Later syncs wait for a superset, so held syncs
 * become ready in FIFO order. Writes submitted after a sync never wait for it: the log's next
 * batch goes to the kernel while the previous sync is in flight.
 *
 * <p>Guarded by the context's ring lock; pooled, so steady state allocates nothing. A file
 * with no incomplete write needs no state and goes back to the pool.
 */
final class FileOrder {
    int fd = -1;
    /** WRITEs and APPENDs accepted on the fd whose final completion has not been processed. */
    int incompleteWrites;
    /** The number the next sync on this fd takes. */
    long syncsAccepted;
    /** Syncs waiting for earlier writes, in submission order. */
    final SlotQueue heldSyncs = new SlotQueue(4);
    /** Appends waiting for the chain in flight, in submission order. */
    final SlotQueue heldAppends = new SlotQueue(16);
    /**
     * Members of the current chain that the kernel canceled with it (they never ran), to go
     * first in line again when the chain ends. Only undelivered requests are kept here: a
     * delivered member's slot may already belong to a new request.
     */
    final SlotQueue relinks = new SlotQueue(16);
    /** Members of the chain in flight whose completion has not been processed yet. */
    int chainOutstanding;
    /** Set while the fd is on the submit call's list of files with new appends. */
    boolean touched;

    boolean isIdle() {
        return incompleteWrites == 0;
    }

    FileOrder reset(int newFd) {
        assert heldSyncs.isEmpty() && heldAppends.isEmpty() && relinks.isEmpty() && chainOutstanding == 0
            : "recycling a busy file order: " + this;
        fd = newFd;
        incompleteWrites = 0;
        syncsAccepted = 0;
        touched = false;
        return this;
    }

    @Override
    public String toString() {
        return "FileOrder[fd=" + fd + " incompleteWrites=" + incompleteWrites + " heldSyncs=" + heldSyncs
            + " heldAppends=" + heldAppends + " relinks=" + relinks + " chainOutstanding=" + chainOutstanding + "]";
    }
}
