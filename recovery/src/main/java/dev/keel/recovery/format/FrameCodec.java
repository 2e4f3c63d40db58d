package dev.keel.recovery.format;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

import static dev.keel.recovery.format.FrameDescriptor.CRC_OFFSET;
import static dev.keel.recovery.format.FrameDescriptor.HEADER_BYTES;
import static dev.keel.recovery.format.FrameDescriptor.LENGTH_OFFSET;
import static dev.keel.recovery.format.FrameDescriptor.LSN_OFFSET;
import static dev.keel.recovery.format.FrameDescriptor.FLAGS_OFFSET;
import static dev.keel.recovery.format.FrameDescriptor.SALT_OFFSET;
import static dev.keel.recovery.format.FrameDescriptor.TYPE_OFFSET;
import static dev.keel.recovery.format.FrameDescriptor.UNSYNCED_SPAN_OFFSET;

/**
 * Writes and checks frames ({@link FrameDescriptor}) in one memory region: the writer's log
 * buffer, or a reader's read buffer. Not thread safe: one codec per thread (the writer uses it
 * under its append lock). Allocation-free after construction; CRC32C is the JDK's intrinsic.
 */
public final class FrameCodec {
    private final UnsafeBuffer buffer;
    private final ByteBuffer view;
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer lengthWord = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

    private int length;
    private long lsn;
    private int salt;
    private short type;
    private short flags;
    private int unsyncedSpan;

    public FrameCodec(ByteBuffer region) {
        this.view = region.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.buffer = new UnsafeBuffer(region);
    }

    public UnsafeBuffer buffer() {
        return buffer;
    }

    /**
     * Writes everything but the length word at {@code offset}: header fields, the payload
     * already copied to {@code offset + HEADER_BYTES} by the caller, zero padding, and the CRC.
     * The frame is invisible to a concurrent reader of the region until {@link #publish}.
     *
     * @return the frame's size in bytes
     */
    public int seal(int offset, int payloadBytes, long lsn, int salt, short type, int unsyncedSpan) {
        return seal(offset, payloadBytes, lsn, salt, type, (short) 0, unsyncedSpan);
    }

    /** As {@link #seal(int, int, long, int, short, int)}, with frame flags ({@link FrameDescriptor#FLAG_BATCH_CONTINUES}). */
    public int seal(int offset, int payloadBytes, long lsn, int salt, short type, short flags, int unsyncedSpan) {
        buffer.putLong(offset + LSN_OFFSET, lsn);
        buffer.putInt(offset + SALT_OFFSET, salt);
        buffer.putShort(offset + TYPE_OFFSET, type);
        buffer.putShort(offset + FLAGS_OFFSET, flags);
        buffer.putInt(offset + UNSYNCED_SPAN_OFFSET, unsyncedSpan);
        int frameBytes = FrameDescriptor.frameBytes(payloadBytes);
        for (int pad = offset + HEADER_BYTES + payloadBytes; pad < offset + frameBytes; pad++) {
            buffer.putByte(pad, (byte) 0);
        }
        buffer.putInt(offset + CRC_OFFSET, computeCrc(offset, FrameDescriptor.lengthWord(payloadBytes), payloadBytes));
        return frameBytes;
    }

    /** Publishes the frame at {@code offset}: its length word, with release ordering. */
    public void publish(int offset, int payloadBytes) {
        buffer.putLongOrdered(offset + LENGTH_OFFSET, FrameDescriptor.lengthWord(payloadBytes));
    }

    /** Writes and publishes in one step, for writers that need no concurrent visibility rule. */
    public int encode(int offset, int payloadBytes, long lsn, int salt, short type, int unsyncedSpan) {
        int frameBytes = seal(offset, payloadBytes, lsn, salt, type, unsyncedSpan);
        publish(offset, payloadBytes);
        return frameBytes;
    }

    private int computeCrc(int offset, long lengthWordValue, int payloadBytes) {
        crc.reset();
        lengthWord.putLong(0, lengthWordValue);
        crc.update(lengthWord.array(), 0, 8);
        updateCrc(offset + LSN_OFFSET, offset + CRC_OFFSET);
        updateCrc(offset + HEADER_BYTES, offset + HEADER_BYTES + payloadBytes);
        return (int) crc.getValue();
    }

    private void updateCrc(int from, int to) {
        view.limit(view.capacity());
        view.position(from);
        view.limit(to);
        crc.update(view);
    }

    /**
     * Checks the frame at {@code offset} with {@code limit} as the end of the bytes available,
     * and {@code maxPayloadBytes} as the largest payload that can be valid there. On VALID the
     * accessors describe the frame.
     */
    public FrameCheck check(int offset, int limit, int maxPayloadBytes) {
        if (limit - offset < 8) {
            return allZero(offset, limit) ? FrameCheck.ZEROS : FrameCheck.TRUNCATED;
        }
        long word = buffer.getLong(offset + LENGTH_OFFSET);
        if (word == 0) {
            return FrameCheck.ZEROS;
        }
        int len = (int) word;
        int check = (int) (word >>> 32);
        if (check != ~len) {
            return FrameCheck.TORN_LENGTH;
        }
        if (len < 0 || len > maxPayloadBytes) {
            return FrameCheck.BAD_LENGTH;
        }
        int frameBytes = FrameDescriptor.frameBytes(len);
        if ((long) offset + frameBytes > limit) {
            return FrameCheck.TRUNCATED;
        }
        if (buffer.getInt(offset + CRC_OFFSET) != computeCrc(offset, word, len)) {
            return FrameCheck.BAD_CRC;
        }
        this.length = len;
        this.lsn = buffer.getLong(offset + LSN_OFFSET);
        this.salt = buffer.getInt(offset + SALT_OFFSET);
        this.type = buffer.getShort(offset + TYPE_OFFSET);
        this.flags = buffer.getShort(offset + FLAGS_OFFSET);
        this.unsyncedSpan = buffer.getInt(offset + UNSYNCED_SPAN_OFFSET);
        return FrameCheck.VALID;
    }

    /** True when {@code [from, to)} holds only zero bytes. */
    public boolean allZero(int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            if (buffer.getLong(i) != 0) {
                return false;
            }
        }
        for (; i < to; i++) {
            if (buffer.getByte(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The frame size the length word at {@code offset} claims, when the word is self-consistent
     * (length matches its complement); else 0. Lets a scan step over a frame whose CRC failed.
     */
    public int frameBytesAt(int offset) {
        long word = buffer.getLong(offset + LENGTH_OFFSET);
        int len = (int) word;
        return len >= 0 && (int) (word >>> 32) == ~len ? FrameDescriptor.frameBytes(len) : 0;
    }

    /** Payload bytes of the last VALID frame. */
    public int length() {
        return length;
    }

    public int frameBytes() {
        return FrameDescriptor.frameBytes(length);
    }

    public long lsn() {
        return lsn;
    }

    public int salt() {
        return salt;
    }

    public short type() {
        return type;
    }

    /** The last VALID frame's flags ({@link FrameDescriptor#FLAG_BATCH_CONTINUES}). */
    public short flags() {
        return flags;
    }

    public int unsyncedSpan() {
        return unsyncedSpan;
    }
}
