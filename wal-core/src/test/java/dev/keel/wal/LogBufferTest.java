package dev.keel.wal;

import dev.keel.recovery.FrameDescriptor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
