package dev.keel.recovery.format;

import org.agrona.concurrent.UnsafeBuffer;

import java.util.zip.CRC32C;

/**
 * The header at the start of every segment file: one 4 KiB block, so frames start block
 * aligned. Little-endian.
 *
 * <pre>
 *   0                   8                  12                 16
 *   +-------------------+------------------+------------------+
 *   | magic "KEELSEG1"  | formatVersion u32| headerBytes u32  |
 *   +-------------------+------------------+------------------+
 *  16 | logId u64: random, chosen when the log was created       |
 *  24 | segmentIndex u64: 1, 2, 3, ... in log order               |
 *  32 | firstLsn u64: the LSN of the segment's first record       |
 *  40 | segmentBytes u64: the file's fixed size                   |
 *  48 | createdMillis u64: wall clock when the header was written |
 *  56 | headerCrc u32: CRC32C of bytes [0, 56)  | zero to 4096    |
 * </pre>
 *
 * An all-zero header is a segment that was prepared (zero-filled) but never written to: it holds
 * no data. The header is written by the committer together with the segment's first frames, in
 * the same synced batch, so a header that fails its CRC can only be torn when those frames are.
 */
public final class SegmentHeaderDescriptor {
    public static final long MAGIC = 0x314745534C45454BL; // "KEELSEG1" read as a little-endian long
    public static final int FORMAT_VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = MAGIC_OFFSET + 8;
    public static final int HEADER_BYTES_OFFSET = VERSION_OFFSET + 4;
    public static final int LOG_ID_OFFSET = HEADER_BYTES_OFFSET + 4;
    public static final int SEGMENT_INDEX_OFFSET = LOG_ID_OFFSET + 8;
    public static final int FIRST_LSN_OFFSET = SEGMENT_INDEX_OFFSET + 8;
    public static final int SEGMENT_BYTES_OFFSET = FIRST_LSN_OFFSET + 8;
    public static final int CREATED_MILLIS_OFFSET = SEGMENT_BYTES_OFFSET + 8;
    public static final int CRC_OFFSET = CREATED_MILLIS_OFFSET + 8;
    public static final int CRC_COVERED_BYTES = CRC_OFFSET;
    /** The header's size on disk: frames start here. */
    public static final int HEADER_BYTES = 4096;

    static {
        assert CRC_OFFSET == 56 : "header fields moved";
        assert CRC_OFFSET + 4 <= HEADER_BYTES;
    }

    private SegmentHeaderDescriptor() {
    }

    /** The fields of a decoded header. */
    public record Header(int formatVersion, long logId, long segmentIndex, long firstLsn, long segmentBytes,
                         long createdMillis) {
    }

    /** Writes a complete header into {@code buffer[offset, offset + HEADER_BYTES)}. */
    public static void encode(UnsafeBuffer buffer, int offset, long logId, long segmentIndex, long firstLsn,
                              long segmentBytes, long createdMillis) {
        buffer.setMemory(offset, HEADER_BYTES, (byte) 0);
        buffer.putLong(offset + MAGIC_OFFSET, MAGIC);
        buffer.putInt(offset + VERSION_OFFSET, FORMAT_VERSION);
        buffer.putInt(offset + HEADER_BYTES_OFFSET, HEADER_BYTES);
        buffer.putLong(offset + LOG_ID_OFFSET, logId);
        buffer.putLong(offset + SEGMENT_INDEX_OFFSET, segmentIndex);
        buffer.putLong(offset + FIRST_LSN_OFFSET, firstLsn);
        buffer.putLong(offset + SEGMENT_BYTES_OFFSET, segmentBytes);
        buffer.putLong(offset + CREATED_MILLIS_OFFSET, createdMillis);
        buffer.putInt(offset + CRC_OFFSET, crc(buffer, offset));
    }

    static int crc(UnsafeBuffer buffer, int offset) {
        CRC32C crc = new CRC32C();
        byte[] covered = new byte[CRC_COVERED_BYTES];
        buffer.getBytes(offset, covered);
        crc.update(covered);
        return (int) crc.getValue();
    }

    /** True when every byte of the header block is zero: prepared, never written. */
    public static boolean isBlank(UnsafeBuffer buffer, int offset) {
        for (int i = 0; i < HEADER_BYTES; i += 8) {
            if (buffer.getLong(offset + i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Why the header cannot be used, or null when magic, version and CRC are right. */
    public static String problem(UnsafeBuffer buffer, int offset) {
        if (buffer.getLong(offset + MAGIC_OFFSET) != MAGIC) {
            return "bad magic 0x" + Long.toHexString(buffer.getLong(offset + MAGIC_OFFSET)) + ": not a Keel segment";
        }
        if (buffer.getInt(offset + CRC_OFFSET) != crc(buffer, offset)) {
            return "segment header checksum mismatch";
        }
        int version = buffer.getInt(offset + VERSION_OFFSET);
        if (version != FORMAT_VERSION) {
            return "format version " + version + " is not supported (this Keel reads version " + FORMAT_VERSION + ")";
        }
        return null;
    }

    public static Header decode(UnsafeBuffer buffer, int offset) {
        return new Header(buffer.getInt(offset + VERSION_OFFSET), buffer.getLong(offset + LOG_ID_OFFSET),
            buffer.getLong(offset + SEGMENT_INDEX_OFFSET), buffer.getLong(offset + FIRST_LSN_OFFSET),
            buffer.getLong(offset + SEGMENT_BYTES_OFFSET), buffer.getLong(offset + CREATED_MILLIS_OFFSET));
    }
}
