package dev.keel.wal;

import dev.keel.aio.AddressOf;
import dev.keel.recovery.format.FrameCodec;
import dev.keel.recovery.format.FrameDescriptor;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * How a batch is laid out for a segment opened O_DIRECT ({@link WalOptions#directIo}): its
 * frames are copied from the ring into a block-aligned staging buffer (one per batch, so several
 * batches can be in flight), frames stamped with an older segment's salt are sealed again for
 * the segment they land in, and the batch is padded to the next block boundary with a skippable
 * VOID frame, so that it is one aligned write and the next batch starts on a fresh block.
 *
 * <pre>
 *   file:  | ...batch k (acknowledged)... | VOID pad | batch k+1 frames ... | VOID pad |
 *          ^ block boundary                          ^ block boundary                 ^ block boundary
 * </pre>
 *
 * <b>Why pad:</b> a block that holds an acknowledged record is never written again. Without the
 * pad, batch k+1 would rewrite batch k's last block, and a torn (partial) write of it after a
 * power cut would destroy records that were already acknowledged. <b>Cost:</b> up to one block
 * (plus a 32-byte frame header when the gap is smaller than a header) per batch: a lone writer of
 * 128-byte records uses a 4 KiB block per record; 64 concurrent writers share one block's padding
 * among a whole group. The pad is a VOID frame: readers step over it, it uses no LSN, and its CRC
 * covers it like any frame.
 *
 * <p>The committer owns the file position in this mode (padding is its decision), so it decides
 * rolls too: appenders stamp the salt of the segment the committer last opened, and the few frames
 * a roll overtakes are sealed again here.
 */
final class DirectLayout {
    private final int blockBytes;
    private final int initialStagingBytes;
    /** Staging memory made before the write context opens, so io_uring can register it (WRITE_FIXED). */
    private final List<ByteBuffer> preallocated = new ArrayList<>();
    /** The next preallocated buffer a staging takes. */
    private int nextPreallocated;

    /** {@code stagingBuffers}: one per batch that can be built or in flight at once. */
    DirectLayout(int blockBytes, int maxBatchBytes, int stagingBuffers) {
        assert Integer.bitCount(blockBytes) == 1 && blockBytes >= FrameDescriptor.ALIGNMENT : "blockBytes=" + blockBytes;
        this.blockBytes = blockBytes;
        this.initialStagingBytes = roundUp(maxBatchBytes) + 2 * blockBytes;
        for (int i = 0; i < stagingBuffers; i++) {
            preallocated.add(BufferUtil.allocateDirectAligned(initialStagingBytes, blockBytes));
        }
    }

    /**
     * The staging buffers, for {@code AioOptions.registeredBuffers}: a batch's write then goes as
     * WRITE_FIXED on io_uring (no page pinning per write). A record larger than a batch grows its
     * staging into memory that is not registered: still correct, just pinned per write.
     */
    ByteBuffer[] stagingBuffers() {
        return preallocated.toArray(new ByteBuffer[0]);
    }

    int blockBytes() {
        return blockBytes;
    }

    /** The most padding a batch can need: a gap smaller than a frame header grows by a block. */
    int maxPadBytes() {
        return blockBytes + FrameDescriptor.HEADER_BYTES;
    }

    boolean aligned(long offset) {
        return (offset & (blockBytes - 1)) == 0;
    }

    private int roundUp(int bytes) {
        return (bytes + blockBytes - 1) & -blockBytes;
    }

    /** A batch's staging buffer, grown (rarely: for a record larger than a batch) to hold {@code bytes} more. */
    static final class Staging {
        ByteBuffer memory;
        UnsafeBuffer buffer;
        FrameCodec codec;
        long address;
        int bytes;
    }

    /** Copies a frame from the ring into the staging buffer, sealing it again when its salt is not {@code salt}. */
    void stage(Staging s, UnsafeBuffer ring, int ringIndex, int frameBytes, int salt) {
        ensure(s, s.bytes + frameBytes + maxPadBytes());
        int at = s.bytes;
        s.buffer.putBytes(at, ring, ringIndex, frameBytes);
        if (s.buffer.getInt(at + FrameDescriptor.SALT_OFFSET) != salt) {
            int payloadBytes = (int) s.buffer.getLong(at + FrameDescriptor.LENGTH_OFFSET);
            s.buffer.putLong(at + FrameDescriptor.LENGTH_OFFSET, 0);
            s.codec.seal(at, payloadBytes, s.buffer.getLong(at + FrameDescriptor.LSN_OFFSET), salt,
                s.buffer.getShort(at + FrameDescriptor.TYPE_OFFSET), s.buffer.getShort(at + FrameDescriptor.FLAGS_OFFSET),
                s.buffer.getInt(at + FrameDescriptor.UNSYNCED_SPAN_OFFSET));
            s.codec.publish(at, payloadBytes);
        }
        s.bytes += frameBytes;
    }

    /**
     * Pads the staged frames to the next block boundary with a VOID frame carrying {@code lsn}
     * (the last record's) and returns the bytes to write, a multiple of the block.
     */
    int pad(Staging s, long lsn, int salt, int unsyncedSpan) {
        int end = roundUp(s.bytes);
        int gap = end - s.bytes;
        if (gap != 0 && gap < FrameDescriptor.HEADER_BYTES) {
            gap += blockBytes;
        }
        if (gap > 0) {
            int payloadBytes = gap - FrameDescriptor.HEADER_BYTES;
            ensure(s, s.bytes + gap);
            s.buffer.setMemory(s.bytes + FrameDescriptor.HEADER_BYTES, payloadBytes, (byte) 0);
            s.codec.seal(s.bytes, payloadBytes, lsn, salt, FrameDescriptor.TYPE_VOID, unsyncedSpan);
            s.codec.publish(s.bytes, payloadBytes);
            s.bytes += gap;
        }
        assert aligned(s.bytes) : "padded batch of " + s.bytes + " bytes";
        return s.bytes;
    }

    private void ensure(Staging s, int bytes) {
        if (s.memory != null && s.memory.capacity() >= bytes) {
            return;
        }
        int capacity = Math.max(initialStagingBytes, roundUp(bytes));
        ByteBuffer next = s.memory == null && nextPreallocated < preallocated.size() && capacity == initialStagingBytes
            ? preallocated.get(nextPreallocated++)
            : BufferUtil.allocateDirectAligned(capacity, blockBytes);
        if (s.memory != null) {
            next.put(0, s.memory, 0, s.bytes);
        }
        s.memory = next;
        s.buffer = new UnsafeBuffer(next);
        s.codec = new FrameCodec(next);
        s.address = AddressOf.buffer(next);
    }
}
