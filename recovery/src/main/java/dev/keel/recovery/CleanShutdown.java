package dev.keel.recovery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The {@code keel.clean} file a clean close leaves: where the log ends, so the next open need
 * not read sealed segments. It is trusted only when the COMMIT frame it points at is really
 * there; the open that uses it removes it (durably) before the first append, so a crash later
 * can never be mistaken for a clean close.
 *
 * <pre>
 *   0  magic "KEELCLN1" u64 | 8 logId u64 | 16 lastSegmentIndex u64 | 24 endOffset u64
 *  32  lastLsn u64          | 40 crc u32 (CRC32C of [0, 40))
 * </pre>
 */
public record CleanShutdown(long logId, long lastSegmentIndex, long endOffsetBytes, long lastLsn) {
    private static final long MAGIC = 0x314E4C434C45454BL; // "KEELCLN1"
    private static final int BYTES = 44;

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(MAGIC).putLong(logId).putLong(lastSegmentIndex).putLong(endOffsetBytes).putLong(lastLsn);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 40);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** The marker in {@code dir}, or null when absent or not valid. */
    public static CleanShutdown read(Path dir) throws IOException {
        Path p = dir.resolve(SegmentFiles.CLEAN_FILE);
        if (!Files.exists(p)) {
            return null;
        }
        byte[] bytes = Files.readAllBytes(p);
        if (bytes.length != BYTES) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, 40);
        if (b.getLong(0) != MAGIC || b.getInt(40) != (int) crc.getValue()) {
            return null;
        }
        return new CleanShutdown(b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32));
    }
}
