package dev.keel.tools;

import dev.keel.recovery.format.FrameDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Where a walk over a log's valid frames stopped, and why: the clean end of the data (only
 * zeros after the last valid frame), or damage at {@code offsetBytes}. At damage, the frame
 * found there is kept when its header still reads as one of this segment's frames (the length
 * word agrees with its complement, the salt is the segment's): a torn write usually leaves one,
 * and dump shows it with {@code crc_valid} false.
 *
 * @param segment the segment the damage is in; null at the clean end
 * @param offsetBytes where the valid frames stop
 * @param detail what is there, for people
 * @param invalidRecord the damaged frame, when its header is readable; else null
 */
record StopPoint(Path segment, long offsetBytes, String detail, DumpedRecord invalidRecord) {
    static final StopPoint END = new StopPoint(null, -1, "end of the log", null);
    private static final int CHUNK_BYTES = 1 << 20;

    boolean isEnd() {
        return segment == null;
    }

    static StopPoint damage(Path segment, long offsetBytes, String detail) {
        return new StopPoint(segment, offsetBytes, detail, null);
    }

    /** Looks at what follows a segment's last valid frame, which ends at {@code offsetBytes}. */
    static StopPoint examine(HeaderProbe seg, long offsetBytes, int salt) throws IOException {
        try (FileChannel ch = FileChannel.open(seg.path(), StandardOpenOption.READ)) {
            long fileBytes = ch.size();
            long nonZero = firstNonZero(ch, offsetBytes, fileBytes);
            if (nonZero >= fileBytes) {
                return END;
            }
            if (nonZero > offsetBytes) {
                return damage(seg.path(), offsetBytes, "zeros from offset " + offsetBytes + " to " + nonZero + ", then data");
            }
            return new StopPoint(seg.path(), offsetBytes, "not a valid frame", frameAt(ch, seg, offsetBytes, fileBytes, salt));
        }
    }

    private static long firstNonZero(FileChannel ch, long from, long fileBytes) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES);
        long pos = from;
        while (pos < fileBytes) {
            chunk.clear();
            int n = ch.read(chunk, pos);
            if (n <= 0) {
                break;
            }
            int i = 0;
            while (i + Long.BYTES <= n && chunk.getLong(i) == 0) {
                i += Long.BYTES; // a word at a time: the rest of a preallocated segment is megabytes of zeros
            }
            for (; i < n; i++) {
                if (chunk.get(i) != 0) {
                    return pos + i;
                }
            }
            pos += n;
        }
        return fileBytes;
    }

    /** The frame at {@code offset} as a record with an invalid CRC, or null when its header is not readable. */
    private static DumpedRecord frameAt(FileChannel ch, HeaderProbe seg, long offset, long fileBytes, int salt)
        throws IOException {
        ByteBuffer header = ByteBuffer.allocate(FrameDescriptor.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        if (fileBytes - offset < FrameDescriptor.HEADER_BYTES || ch.read(header, offset) < FrameDescriptor.HEADER_BYTES) {
            return null;
        }
        int length = header.getInt(FrameDescriptor.LENGTH_OFFSET);
        if (length < 0 || header.getInt(FrameDescriptor.LENGTH_CHECK_OFFSET) != ~length
            || header.getInt(FrameDescriptor.SALT_OFFSET) != salt) {
            return null;
        }
        long payloadAt = offset + FrameDescriptor.HEADER_BYTES;
        ByteBuffer payload = ByteBuffer.allocate((int) Math.min(length, fileBytes - payloadAt));
        while (payload.hasRemaining() && ch.read(payload, payloadAt + payload.position()) > 0) {
            // read what the file holds of the payload
        }
        return new DumpedRecord(header.getLong(FrameDescriptor.LSN_OFFSET), seg.index(), seg.path(), offset, length, false,
            Arrays.copyOf(payload.array(), payload.position()));
    }
}
