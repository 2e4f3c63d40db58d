package dev.keel.aio.internal;

import java.util.Arrays;

/**
 * A double-ended queue of request slots (small ints) in a growable array ring: io_uring's
 * held-back and in-chain requests of one file and its own completions, and the held syncs of
 * both kernel backends ({@link SyncBarrier}). Unlike linux-aio's {@code LinkedSlotQueue}, a
 * slot may sit in several deques at once, and the deque is indexable. It grows by doubling
 * while the context warms up and never shrinks, so steady state allocates nothing. Not thread
 * safe: the owning context guards each deque with one of its locks.
 */
public final class SlotDeque {
    private int[] slots;
    private int head;
    private int size;

    public SlotDeque(int initialCapacity) {
        slots = new int[Math.max(4, Integer.highestOneBit(Math.max(1, initialCapacity - 1)) << 1)];
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The i-th slot from the head. */
    public int get(int i) {
        assert i >= 0 && i < size : "index " + i + " of " + size;
        return slots[(head + i) & (slots.length - 1)];
    }

    public int peekFirst() {
        assert size > 0 : "empty";
        return slots[head];
    }

    public void addLast(int slot) {
        ensureRoom();
        slots[(head + size) & (slots.length - 1)] = slot;
        size++;
    }

    public void addFirst(int slot) {
        ensureRoom();
        head = (head - 1) & (slots.length - 1);
        slots[head] = slot;
        size++;
    }

    /** Inserts {@code slot} so that it becomes the {@code index}-th from the head, the others keeping their order. */
    public void insert(int index, int slot) {
        assert index >= 0 && index <= size : "index " + index + " of " + size;
        addLast(slot);
        int mask = slots.length - 1;
        for (int j = size - 1; j > index; j--) {
            slots[(head + j) & mask] = slots[(head + j - 1) & mask];
        }
        slots[(head + index) & mask] = slot;
    }

    public int pollFirst() {
        assert size > 0 : "empty";
        int slot = slots[head];
        head = (head + 1) & (slots.length - 1);
        size--;
        return slot;
    }

    /** Removes the first occurrence of {@code slot}, keeping the others in order. */
    public boolean remove(int slot) {
        int mask = slots.length - 1;
        for (int i = 0; i < size; i++) {
            if (slots[(head + i) & mask] == slot) {
                for (int j = i; j < size - 1; j++) {
                    slots[(head + j) & mask] = slots[(head + j + 1) & mask];
                }
                size--;
                return true;
            }
        }
        return false;
    }

    public void clear() {
        head = 0;
        size = 0;
    }

    private void ensureRoom() {
        if (size == slots.length) {
            int[] grown = new int[slots.length * 2];
            for (int i = 0; i < size; i++) {
                grown[i] = slots[(head + i) & (slots.length - 1)];
            }
            slots = grown;
            head = 0;
        }
    }

    @Override
    public String toString() {
        int[] copy = new int[size];
        for (int i = 0; i < size; i++) {
            copy[i] = get(i);
        }
        return Arrays.toString(copy);
    }
}
