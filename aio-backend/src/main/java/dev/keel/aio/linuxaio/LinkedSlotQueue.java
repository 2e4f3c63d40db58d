package dev.keel.aio.linuxaio;

/**
 * A FIFO of slots, the held appends of one descriptor, linked through an {@code int[] next}
 * array the ordering shares between all queues (a slot sits in at most one queue at a time), so
 * holding a request back allocates nothing. Removal from the middle (cancel) and from the tail (a refused batch) walks the
 * list; both are rare. Not thread safe: guarded by the context's issue lock.
 */
final class LinkedSlotQueue {
    static final int NONE = -1;

    private final int[] next;
    private int head = NONE;
    private int tail = NONE;

    LinkedSlotQueue(int[] next) {
        this.next = next;
    }

    boolean isEmpty() {
        return head == NONE;
    }

    void addLast(int slot) {
        next[slot] = NONE;
        if (tail == NONE) {
            head = slot;
        } else {
            next[tail] = slot;
        }
        tail = slot;
    }

    /** Removes and returns the first slot, or {@link #NONE} when empty. */
    int pollFirst() {
        int slot = head;
        if (slot != NONE) {
            head = next[slot];
            if (head == NONE) {
                tail = NONE;
            }
        }
        return slot;
    }

    /** Removes {@code slot} wherever it is; false when it is not queued here. */
    boolean remove(int slot) {
        int previous = NONE;
        for (int s = head; s != NONE; previous = s, s = next[s]) {
            if (s == slot) {
                if (previous == NONE) {
                    head = next[s];
                } else {
                    next[previous] = next[s];
                }
                if (tail == s) {
                    tail = previous;
                }
                return true;
            }
        }
        return false;
    }

    void clear() {
        head = NONE;
        tail = NONE;
    }
}
