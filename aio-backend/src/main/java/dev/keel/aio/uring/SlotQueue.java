package dev.keel.aio.uring;

import java.util.Arrays;

/**
 * A double-ended queue of request slots (small ints) in a growable ring buffer: the held-back
 * and in-chain requests of one file, and the backend's own completions. It grows by doubling
 * while the context warms up and never shrinks, so steady state allocates nothing. Not thread
 * safe: the context guards each queue with its ring lock.
 */
final class SlotQueue {
    private int[] slots;
    private int head;
    private int size;

    SlotQueue(int initialCapacity) {
        slots = new int[Math.max(4, Integer.highestOneBit(Math.max(1, initialCapacity - 1)) << 1)];
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The i-th slot from the head. */
    int get(int i) {
        assert i >= 0 && i < size : "index " + i + " of " + size;
        return slots[(head + i) & (slots.length - 1)];
    }

    int peekFirst() {
        assert size > 0 : "empty";
        return slots[head];
    }

    void addLast(int slot) {
        ensureRoom();
        slots[(head + size) & (slots.length - 1)] = slot;
        size++;
    }

    void addFirst(int slot) {
        ensureRoom();
        head = (head - 1) & (slots.length - 1);
        slots[head] = slot;
        size++;
    }

    /** Inserts {@code slot} so that it becomes the {@code index}-th from the head, the others keeping their order. */
    void insert(int index, int slot) {
        assert index >= 0 && index <= size : "index " + index + " of " + size;
        addLast(slot);
        int mask = slots.length - 1;
        for (int j = size - 1; j > index; j--) {
            slots[(head + j) & mask] = slots[(head + j - 1) & mask];
        }
        slots[(head + index) & mask] = slot;
    }

    int pollFirst() {
        assert size > 0 : "empty";
        int slot = slots[head];
        head = (head + 1) & (slots.length - 1);
        size--;
        return slot;
    }

    /** Removes the first occurrence of {@code slot}, keeping the others in order. */
    boolean remove(int slot) {
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

    void clear() {
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
