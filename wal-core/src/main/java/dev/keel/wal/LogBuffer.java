package dev.keel.wal;

import dev.keel.recovery.FrameCodec;
import dev.keel.recovery.FrameDescriptor;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * The bounded off-heap buffer appenders copy frames into and the committer writes from, with no
 * copy in between: each frame sits in the ring exactly as it will sit in the segment.
 *
 * <pre>
 *   ring index:  0 ............................................... capacity
 *                [ free | written, not yet released | published | reserved | free ]
 *                        ^head (committer)           ^scan        ^tail (appenders)
 * </pre>
 *
 * <ul>
 *   <li>Appenders reserve at {@code tail} under the log's append monitor, copy, seal, and
 *       publish the frame by its 8-byte length word with release ordering (Agrona's rule:
 *       length last). A frame never wraps: when it would not fit before the end, a
 *       {@link #PAD_WORD} sends the committer back to index 0.</li>
 *   <li>The committer reads length words with acquire ordering from its scan position, and when
 *       a batch is durable zeroes the bytes it wrote and moves {@code head}, so the zero length
 *       word again means "not yet published" on the next lap.</li>
 *   <li>Full ring: the appender waits (back-pressure); the ring never grows.</li>
 * </ul>
 * Positions are byte counts since the log was opened (longs, never wrap); ring index = position
 * mod capacity.
 */
final class LogBuffer {
    /** Ring-only marker: skip to index 0. Never a valid length word (its check half is not ~length). */
    static final long PAD_WORD = -1L;

    private final ByteBuffer memory;
    private final UnsafeBuffer buffer;
    private final FrameCodec appenderCodec;
    private final int capacity;
    private final long address;

    /** Reserved bytes; guarded by the append monitor. */
    private long tail;
    /** Released bytes; written by the committer, read by appenders. */
    private volatile long head;

    LogBuffer(int capacityBytes) {
        assert capacityBytes % FrameDescriptor.ALIGNMENT == 0;
        this.capacity = capacityBytes;
        this.memory = BufferUtil.allocateDirectAligned(capacityBytes, 4096);
        this.buffer = new UnsafeBuffer(memory);
        this.appenderCodec = new FrameCodec(memory);
        this.address = buffer.addressOffset();
    }

    int capacity() {
        return capacity;
    }

    long address() {
        return address;
    }

    UnsafeBuffer buffer() {
        return buffer;
    }

    ByteBuffer memory() {
        return memory;
    }

    /** The codec appenders use; only under the append monitor. */
    FrameCodec appenderCodec() {
        return appenderCodec;
    }

    long tail() {
        return tail;
    }

    long head() {
        return head;
    }

    static int index(long position, int capacity) {
        return (int) (position % capacity);
    }

    /**
     * Reserves room for a frame of {@code frameBytes} (under the append monitor) and returns the
     * ring index to write it at, or -1 when the ring is too full: the caller waits and retries.
     */
    int reserve(int frameBytes) {
        int idx = index(tail, capacity);
        int pad = idx + frameBytes > capacity ? capacity - idx : 0;
        // Never fill the ring completely: the word at the tail must stay a released (zero) one. In a
        // full ring it is the head's unreleased frame, and the committer would read it as published.
        if (tail + pad + frameBytes - head > capacity - FrameDescriptor.ALIGNMENT) {
            return -1;
        }
        if (pad > 0) {
            buffer.putLongOrdered(idx, PAD_WORD);
            tail += pad;
            idx = 0;
        }
        tail += frameBytes;
        return idx;
    }

    /** The published length word at a position, with acquire ordering; 0 when nothing is there yet. */
    long wordAt(long position) {
        return buffer.getLongVolatile(index(position, capacity));
    }

    /**
     * Releases everything before {@code upTo} (committer only): zeroes it so its length words
     * read "unpublished" on the next lap, then moves head.
     */
    void release(long upTo) {
        long from = head;
        while (from < upTo) {
            int idx = index(from, capacity);
            int len = (int) Math.min(upTo - from, capacity - idx);
            buffer.setMemory(idx, len, (byte) 0);
            from += len;
        }
        head = upTo;
    }

    /** Rewinds an empty ring to position 0 (only when nothing is reserved or in flight). */
    void reset() {
        assert tail == head : "reset of a ring holding " + (tail - head) + " bytes";
        buffer.setMemory(0, capacity, (byte) 0);
        tail = 0;
        head = 0;
    }
}
