package dev.keel.wal;

import dev.keel.recovery.format.FrameCodec;
import dev.keel.recovery.format.FrameDescriptor;
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
 *   <li>Appenders reserve at {@code tail} under the log's append monitor, then, outside it,
 *       copy, checksum, seal and publish the frame by its 8-byte length word with release
 *       ordering (Agrona's rule: length last). Frames may be published out of order; the
 *       committer's walk stops at the first unpublished one, so it consumes them in order. A frame never wraps: when it would not fit before the end, a
 *       {@link #PAD_WORD} sends the committer back to index 0.</li>
 *   <li>The committer reads length words with acquire ordering from its scan position, and when
 *       a batch is durable zeroes the bytes it wrote and moves {@code head}, so the zero length
 *       word again means "not yet published" on the next lap.</li>
 *   <li>A {@link #ROLL_WORD} marker tells the committer the frames after it start a new segment.</li>
 *   <li>Full ring: the appender waits (back-pressure); the ring never grows.</li>
 * </ul>
 * Positions are byte counts since the log was opened (longs, never wrap); ring index = position
 * mod capacity.
 */
final class LogBuffer {
    /** Ring-only marker: skip to index 0. Never a valid length word (its check half is not ~length). */
    static final long PAD_WORD = -1L;
    /**
     * Ring-only marker: the frames after it go to a new segment. Never a valid length word. The
     * appenders decide rolls (they own the segment position); the marker carries the decision to
     * the committer in ring order, so there is no side queue to keep in step with the ring.
     *
     * <pre>
     *   0          8               16          24                     32
     *   | ROLL_WORD | segmentIndex   | firstLsn  | previousEndOffset    |
     * </pre>
     * {@code previousEndOffset} is where the appenders ended the old segment: the committer's
     * write position there must equal it (asserted).
     */
    static final long ROLL_WORD = -2L;
    static final int ROLL_MARKER_BYTES = 32;
    private static final int ROLL_INDEX_OFFSET = 8;
    private static final int ROLL_FIRST_LSN_OFFSET = 16;
    private static final int ROLL_PREVIOUS_END_OFFSET = 24;

    static {
        assert ROLL_MARKER_BYTES % FrameDescriptor.ALIGNMENT == 0;
        assert ROLL_PREVIOUS_END_OFFSET + 8 == ROLL_MARKER_BYTES;
        assert FrameDescriptor.lengthWord(-1) != PAD_WORD && FrameDescriptor.lengthWord(-2) != ROLL_WORD;
    }

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
        assert frameBytes > 0 && frameBytes % FrameDescriptor.ALIGNMENT == 0 : "frameBytes=" + frameBytes;
        assert tail - head >= 0 && tail - head <= capacity : "ring accounting: tail " + tail + ", head " + head;
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
        assert buffer.getLongVolatile(idx) == 0 : "reserved a slot whose word was not released at index " + idx;
        tail += frameBytes;
        return idx;
    }

    /** Writes a roll marker into a slot reserved for it (under the append monitor), word last. */
    void putRollMarker(int idx, long segmentIndex, long firstLsn, long previousEndOffset) {
        buffer.putLong(idx + ROLL_INDEX_OFFSET, segmentIndex);
        buffer.putLong(idx + ROLL_FIRST_LSN_OFFSET, firstLsn);
        buffer.putLong(idx + ROLL_PREVIOUS_END_OFFSET, previousEndOffset);
        buffer.putLongOrdered(idx, ROLL_WORD);
    }

    long rollSegmentIndex(long position) {
        return buffer.getLong(index(position, capacity) + ROLL_INDEX_OFFSET);
    }

    long rollFirstLsn(long position) {
        return buffer.getLong(index(position, capacity) + ROLL_FIRST_LSN_OFFSET);
    }

    long rollPreviousEndOffset(long position) {
        return buffer.getLong(index(position, capacity) + ROLL_PREVIOUS_END_OFFSET);
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
        assert upTo >= from : "release moves head backwards: " + from + " -> " + upTo;
        assert upTo - from <= capacity : "release of more than the ring: " + (upTo - from);
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
