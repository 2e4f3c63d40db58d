package dev.keel.aio.uring;

import dev.keel.aio.AioOptions;
import dev.keel.aio.AioRequest;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The slot table: which request each slot holds, and the kernel tag (user_data) that names it.
 *
 * <pre>
 *   user_data, 64 bits:
 *     request:        [ generation (32 bits) ][ slot (16 bits) ]    bits 62, 63 clear
 *     ASYNC_CANCEL:   [ 0 ][1][ sequence number                 ]   bit 62 set
 *     wakeup NOP:     all ones (-1)
 * </pre>
 *
 * <p>The per-slot generation moves on with every request the slot takes, so a late
 * ASYNC_CANCEL aimed at an earlier request never hits a later one in the same slot. A request
 * is stored with release ({@link #begin}) before its SQE can reach the kernel and read with
 * acquire by the reaper, which then sees every field written before it; generations are
 * written under the context's ring lock.
 */
final class IoUringSlots {
    static final long WAKEUP_USER_DATA = -1L;
    static final long CANCEL_USER_DATA = 1L << 62;
    private static final int SLOT_BITS = 16;
    private static final int SLOT_MASK = (1 << SLOT_BITS) - 1;

    static {
        assert AioOptions.MAX_MAX_IN_FLIGHT <= SLOT_MASK + 1 : "slots must fit in user_data's low 16 bits";
    }

    private final AtomicReferenceArray<AioRequest> requests;
    private final int[] generation;

    IoUringSlots(int slotCount) {
        this.requests = new AtomicReferenceArray<>(slotCount);
        this.generation = new int[slotCount];
    }

    int size() {
        return generation.length;
    }

    /** The slot takes {@code r}: a new generation, then the request stored with release. Under the ring lock. */
    void begin(int slot, AioRequest r) {
        generation[slot]++;
        requests.lazySet(slot, r);
    }

    /** The request in {@code slot} (acquire), or null before its first one. */
    AioRequest request(int slot) {
        return requests.get(slot);
    }

    /** The user_data naming the slot's current request. Under the ring lock. */
    long userData(int slot) {
        return ((generation[slot] & 0xFFFF_FFFFL) << SLOT_BITS) | slot;
    }

    static int slotOf(long requestUserData) {
        assert isRequest(requestUserData) : "not a request tag: " + requestUserData;
        return (int) (requestUserData & SLOT_MASK);
    }

    static boolean isRequest(long userData) {
        return userData != WAKEUP_USER_DATA && (userData & CANCEL_USER_DATA) == 0;
    }

    static long cancelTag(long sequence) {
        return CANCEL_USER_DATA | sequence;
    }

    static boolean isCancelTag(long userData) {
        return userData != WAKEUP_USER_DATA && (userData & CANCEL_USER_DATA) != 0;
    }
}
