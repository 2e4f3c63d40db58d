package dev.keel.wal;

import dev.keel.recovery.format.FrameDescriptor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ring's one invariant the committer's scan relies on: the word at the tail (where the next
 * frame will be published) reads zero, unpublished, however full the ring is.
 */
class LogBufferTest {
    static final int CAPACITY_BYTES = 64 << 10;

    @Test
    void theWordAtTheTailOfAFullRingIsNeverAnUnreleasedFrame() {
        LogBuffer ring = new LogBuffer(CAPACITY_BYTES);
        int payloadBytes = 4096 - FrameDescriptor.HEADER_BYTES; // 16 frames would fill the ring exactly
        int frameBytes = FrameDescriptor.frameBytes(payloadBytes);
        int frames = 0;
        for (int idx; (idx = ring.reserve(frameBytes)) >= 0; frames++) {
            ring.buffer().putLongOrdered(idx, FrameDescriptor.lengthWord(payloadBytes));
        }
        assertTrue(frames > 0 && frames < CAPACITY_BYTES / frameBytes, "a full ring keeps room: " + frames + " frames");
        assertEquals(0, ring.wordAt(ring.tail()), "the committer must read 'unpublished' at the tail, not the head's frame");
        ring.release(ring.tail());
        assertTrue(ring.reserve(frameBytes) >= 0, "released room is reusable");
    }

    @Test
    void theLargestFrameFitsAnEmptyRingWhereverItsTailIs() {
        int payloadBytes = 20_000;
        int frameBytes = FrameDescriptor.frameBytes(payloadBytes);
        for (int tail = 0; tail < CAPACITY_BYTES; tail += 8) {
            LogBuffer ring = new LogBuffer(CAPACITY_BYTES);
            if (tail > 0) {
                ring.reserve(tail);
                ring.release(ring.tail());
            }
            assertTrue(ring.reserve(frameBytes) >= 0, "a " + frameBytes + "-byte frame fits an empty ring at " + tail);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> WalOptions.defaults().maxRecordBytes(40_960).logBufferBytes(CAPACITY_BYTES).validate());
        assertTrue(e.getMessage().contains("logBufferBytes=65536") && e.getMessage().contains("maxRecordBytes=40960")
            && e.getMessage().contains("81984"), e.getMessage());
    }
}
