package dev.keel.wal;

import dev.keel.aio.AioContext;
import dev.keel.aio.Storage;
import dev.keel.recovery.RecoveredLog;
import dev.keel.recovery.SegmentFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The log's durable logical head, in {@code keel.head}: where the log logically starts, which
 * may be below or inside the first segment (whole segments are the unit of deletion, a head is
 * not), and the reset epoch: the lowest segment index that belongs to the log since its last
 * {@link Wal#reset}. Segments below the epoch are dead (a reset committed) and are deleted at
 * open before recovery looks at the directory.
 *
 * <pre>
 *   0                   8                   16                  24        28
 *   +-------------------+-------------------+-------------------+---------+
 *   | magic "KEELHEAD"  | firstLsn u64      | epochSegment u64  | crc u32 |
 *   +-------------------+-------------------+-------------------+---------+
 * </pre>
 *
 * Written as a new file, synced, renamed over the old one and the directory synced: a crash
 * leaves the old head or the new one, never a torn one. The rename is the commit point of
 * {@link Wal#truncatePrefix} and of {@link Wal#reset}. No file means {@code (1, 0)}.
 *
 * @param firstLsn the first LSN the log holds (records below it are gone even if still on disk)
 * @param epochSegment segments with a lower index are dead
 */
record LogHead(long firstLsn, long epochSegment) {
    static final LogHead INITIAL = new LogHead(1, 0);
    private static final long MAGIC = 0x444145484C45454BL; // "KEELHEAD" read as a little-endian long
    private static final int CRC_OFFSET = 24;
    private static final int BYTES = CRC_OFFSET + 4;

    LogHead {
        if (firstLsn < 1 || epochSegment < 0) {
            throw new IllegalArgumentException("head firstLsn=" + firstLsn + " must be >= 1, epochSegment=" + epochSegment
                + " must be >= 0");
        }
    }

    /**
     * Reads the head of {@code dir}, or {@link #INITIAL} when it has none; a torn or foreign file
     * is an error. Changes nothing: an unfinished write ({@code keel.head.tmp}) is ignored here
     * (the old head stands) and deleted by {@link #discardUnfinished}.
     */
    static LogHead read(Path dir) throws IOException {
        Path file = dir.resolve(SegmentFiles.HEAD_FILE);
        if (!Files.exists(file)) {
            return INITIAL;
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.capacity() != BYTES || b.getLong(0) != MAGIC || b.getInt(CRC_OFFSET) != crc(b)) {
            throw new IOException(file + " is not a valid log head (" + b.capacity() + " bytes, expected " + BYTES
                + " with magic KEELHEAD and a matching CRC32C); it is renamed over atomically, so this is damage");
        }
        return new LogHead(b.getLong(8), b.getLong(16));
    }

    /** Deletes an unfinished write of the head (a crash came before its rename): the old head stands. */
    static void discardUnfinished(Storage storage, Path dir) throws IOException {
        storage.deleteIfExists(dir.resolve(SegmentFiles.HEAD_FILE + ".tmp"));
    }

    /**
     * Makes this the head of {@code dir}, durably and atomically, through the log's context and
     * storage (so a disk model under the log sees every step; see {@link DurableFiles}).
     */
    void write(AioContext ctx, Path dir) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, MAGIC).putLong(8, firstLsn).putLong(16, epochSegment);
        b.putInt(CRC_OFFSET, crc(b));
        DurableFiles.replace(ctx, dir.resolve(SegmentFiles.HEAD_FILE + ".tmp"), dir.resolve(SegmentFiles.HEAD_FILE), b.array());
    }

    /**
     * The log's logical start: its first record's LSN, or, when it is empty, the LSN the next
     * record gets; never below this head.
     *
     * @param physicalFirstLsn the first record's LSN in the segments ({@code lastLsn + 1} when they hold none)
     */
    long startLsn(long physicalFirstLsn, long lastLsn) {
        return Math.min(lastLsn + 1, Math.max(firstLsn, physicalFirstLsn));
    }

    /** The LSN the next record gets after recovery: an empty log continues at its head (a reset may have moved it). */
    long nextLsn(RecoveredLog recovered) {
        return recovered.segments().isEmpty() ? Math.max(recovered.nextLsn(), firstLsn) : recovered.nextLsn();
    }

    private static int crc(ByteBuffer b) {
        CRC32C c = new CRC32C();
        c.update(b.array(), 0, CRC_OFFSET);
        return (int) c.getValue();
    }
}
