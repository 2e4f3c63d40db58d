package dev.keel.aio;

/**
 * The slot table of a context: it bounds the requests in flight at {@link AioLimits#maxInFlight()}
 * and gives each one a small integer, which backends use as their kernel tag (io_uring
 * user_data, iocb aio_data, an index into aiocb memory). Slots are handed out last-freed first,
 * so a quiet context keeps reusing the same few (warm in cache).
 *
 * <pre>
 *   requests [ r | . | r | r | . ]   slot i holds the request in flight under tag i, or null
 *   free     [ 4, 1 | . . . ]        a stack of the null slots, freeCount deep
 * </pre>
 *
 * One monitor guards both arrays: takes come from the submitting thread, releases from whoever
 * delivers, and backends look a tag up from their completion path.
 */
final class RequestSlots {
    private final AioRequest[] requests;
    private final int[] free;
    private int freeCount;

    RequestSlots(int capacity) {
        this.requests = new AioRequest[capacity];
        this.free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i;
        }
        this.freeCount = capacity;
    }

    synchronized int free() {
        return freeCount;
    }

    synchronized int inUse() {
        return requests.length - freeCount;
    }

    /** Puts the request in a free slot and returns the slot; the caller checked {@link #free()}. */
    synchronized int take(AioRequest request) {
        assert freeCount > 0 : "no free slot: " + requests.length + " requests in flight";
        int slot = free[--freeCount];
        assert requests[slot] == null : "slot " + slot + " handed out twice";
        requests[slot] = request;
        return slot;
    }

    synchronized void release(int slot) {
        assert requests[slot] != null : "slot " + slot + " released twice";
        requests[slot] = null;
        free[freeCount++] = slot;
    }

    /** The request in flight under {@code slot}, or null. */
    synchronized AioRequest at(int slot) {
        return requests[slot];
    }
}
