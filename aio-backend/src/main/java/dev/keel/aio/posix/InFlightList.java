package dev.keel.aio.posix;

/**
 * The slots of the requests glibc has (or refused and not yet delivered), in the order they
 * were queued in glibc. A descriptor's requests finish in that order (glibc runs one queue per
 * descriptor, FIFO), which is what lets a reap stop looking at a descriptor after its first
 * unfinished request and lets the leader list only each descriptor's oldest unreaped aiocb.
 * Sized once from maxInFlight. Not thread safe: under the context's list lock.
 */
final class InFlightList {
    private final int[] slots;
    private int count;

    InFlightList(int maxInFlight) {
        this.slots = new int[maxInFlight];
    }

    int size() {
        return count;
    }

    /** The i-th oldest slot. */
    int slot(int i) {
        assert i >= 0 && i < count : "index " + i + " of " + count;
        return slots[i];
    }

    void add(int slot) {
        slots[count++] = slot;
    }

    /** Where {@code slot} is in the list, or -1. */
    int positionOf(int slot) {
        for (int i = 0; i < count; i++) {
            if (slots[i] == slot) {
                return i;
            }
        }
        return -1;
    }

    /**
     * For a pass that removes some slots in place: the pass keeps slot(i) for i in order by
     * writing it at {@code kept} ({@link #keep}), then {@link #truncate}s to how many it kept.
     */
    void keep(int kept, int slot) {
        assert kept < count : "kept " + kept + " of " + count;
        slots[kept] = slot;
    }

    void truncate(int kept) {
        assert kept >= 0 && kept <= count : "kept " + kept + " of " + count;
        count = kept;
    }
}
