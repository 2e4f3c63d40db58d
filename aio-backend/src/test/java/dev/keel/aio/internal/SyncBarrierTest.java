package dev.keel.aio.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The count-down both kernel backends share, on the layout its javadoc draws: W0 W1 S2 W3 S4 on one file. */
class SyncBarrierTest {
    private final SyncBarrier barrier = new SyncBarrier(8);
    private final SlotDeque held = new SlotDeque(4);

    private void layout() {
        barrier.acceptWrite(0, 0);
        barrier.acceptWrite(1, 1);
        barrier.acceptSync(2, 2, 2);
        held.addLast(2);
        barrier.acceptWrite(3, 3);
        barrier.acceptSync(4, 4, 3);
        held.addLast(4);
    }

    @Test
    void aSyncIsReleasedOnlyOnceEveryEarlierWriteCompletedAndInSubmissionOrder() {
        layout();
        barrier.writeCompleted(held, 3);
        assertEquals(2, barrier.earlierWrites(2), "a later write does not count for S2");
        assertEquals(2, barrier.earlierWrites(4));
        assertEquals(-1, barrier.pollReady(held));
        barrier.writeCompleted(held, 1);
        assertEquals(-1, barrier.pollReady(held), "S2 still waits for W0");
        barrier.writeCompleted(held, 0);
        assertEquals(2, barrier.pollReady(held));
        assertEquals(4, barrier.pollReady(held), "S4 had W0, W1, W3: all complete");
        assertEquals(-1, barrier.pollReady(held));
    }

    @Test
    void aSyncPutBackGoesInPositionOrder() {
        layout();
        held.pollFirst();
        barrier.insertInOrder(held, 2);
        assertEquals("[2, 4]", held.toString());
        SlotDeque other = new SlotDeque(4);
        other.addLast(2);
        barrier.insertInOrder(other, 4);
        assertEquals("[2, 4]", other.toString());
    }
}
