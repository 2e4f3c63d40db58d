package dev.keel.aio.internal;

/**
 * The sync barrier's count-down, as both kernel backends keep it (io_uring and linux-aio):
 * neither kernel interface makes an fsync wait for the writes in flight on its file, so a sync
 * is held back in user space until every WRITE and APPEND accepted before it on the same file
 * has its final result.
 *
 * <pre>
 *   per file, one submission order:   W0  W1  S2  W3  S4        (position = accept order)
 *   a held sync counts its earlier writes still incomplete:  S2 = 2 (W0, W1),  S4 = 3 (W0, W1, W3)
 *   a write completes ─► every held sync after it counts down:  W1 done ─► S2 = 1, S4 = 2
 *   the deque's head at 0 ─► released (pollReady), in submission order
 * </pre>
 *
 * <p>A later sync waits for a superset of an earlier one's writes, so syncs become ready in
 * their submission order and only the head of a deque need be looked at. Writes accepted after
 * a sync never wait for it: the log's next batch goes to the kernel while the previous sync is
 * in flight. The positions and counts live here, per request slot, so the count-down is one
 * loop over primitive arrays and allocates nothing; the deques (and which lock guards them)
 * belong to the backend.
 */
public final class SyncBarrier {
    /** Per slot: the request's position in its file's submission order. */
    private final long[] position;
    /** Per held sync slot: earlier writes on its file without a final result. */
    private final int[] earlierWrites;

    public SyncBarrier(int slots) {
        this.position = new long[slots];
        this.earlierWrites = new int[slots];
    }

    /** A write (WRITE or APPEND) took {@code filePosition} in its file's order. */
    public void acceptWrite(int slot, long filePosition) {
        position[slot] = filePosition;
    }

    /** A sync took {@code filePosition}; {@code incompleteEarlierWrites} writes before it have no final result. */
    public void acceptSync(int slot, long filePosition, int incompleteEarlierWrites) {
        assert incompleteEarlierWrites >= 0 : "negative earlier writes " + incompleteEarlierWrites;
        position[slot] = filePosition;
        earlierWrites[slot] = incompleteEarlierWrites;
    }

    public long position(int slot) {
        return position[slot];
    }

    public int earlierWrites(int slot) {
        return earlierWrites[slot];
    }

    /** The write in {@code writeSlot} has its final result: one fewer for each sync in {@code syncs} after it. */
    public void writeCompleted(SlotDeque syncs, int writeSlot) {
        long writePosition = position[writeSlot];
        for (int i = 0; i < syncs.size(); i++) {
            int s = syncs.get(i);
            if (position[s] > writePosition) {
                earlierWrites[s]--;
                assert earlierWrites[s] >= 0 : "sync slot " + s + " counted below zero";
            }
        }
    }

    /** Takes the head of {@code syncs} if all its earlier writes are complete; else -1. */
    public int pollReady(SlotDeque syncs) {
        if (syncs.isEmpty() || earlierWrites[syncs.peekFirst()] != 0) {
            return -1;
        }
        return syncs.pollFirst();
    }

    /**
     * Puts a sync back among {@code syncs} in position order (io_uring: a linked sync the kernel
     * canceled with its broken chain waits again as a held one).
     */
    public void insertInOrder(SlotDeque syncs, int syncSlot) {
        int at = 0;
        while (at < syncs.size() && position[syncs.get(at)] < position[syncSlot]) {
            at++;
        }
        syncs.insert(at, syncSlot);
    }
}
