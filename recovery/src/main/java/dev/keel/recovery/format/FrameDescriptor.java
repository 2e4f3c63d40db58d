package dev.keel.recovery.format;

/**
 * A frame: one record (or marker) in a segment. Frames follow each other from
 * {@link SegmentHeaderDescriptor#HEADER_BYTES}, each 8-byte aligned. Little-endian.
 *
 * <pre>
 *   0                4                8                                16
 *   +----------------+----------------+--------------------------------+
 *   | length u32     | lengthCheck u32| lsn u64                        |
 *   +----------------+--------+-------+--------------------------------+
 *  16 | salt u32     | type u16|flags u16| unsyncedSpan u32 | crc u32   |
 *   +----------------+--------+-------+------------------+-------------+
 *  32 | payload: length bytes, then zeros up to the next multiple of 8    |
 * </pre>
 *
 * <ul>
 *   <li>{@code length} is the payload's size; {@code lengthCheck} is its complement. The pair is
 *       one 8-byte word written last (the frame is published by it), and a torn or stale length
 *       is caught before it is trusted: zeros (preallocation) read as length 0 with check 0,
 *       which is not a frame.</li>
 *   <li>{@code lsn}: records get dense LSNs 1, 2, 3, ...; a marker carries the LSN of the last
 *       record before it.</li>
 *   <li>{@code salt}: the segment's identity ({@link #salt}): the log's id in the high 20 bits,
 *       the segment index in the low 12. A frame left in a file from an earlier use, or copied
 *       from another log, fails it even with a valid CRC.</li>
 *   <li>{@code type}: {@link #TYPE_RECORD}, {@link #TYPE_COMMIT}, {@link #TYPE_VOID}; bit 15 ({@link #SKIPPABLE})
 *       marks types a reader that does not know them may skip (forward compatibility).</li>
 *   <li>{@code flags}: {@link #FLAG_BATCH_CONTINUES} on every record of an atomic batch but its
 *       last; 0 otherwise (logs written before flags existed hold 0 here, which reads as "no
 *       batch"). Covered by the CRC.</li>
 *   <li>{@code unsyncedSpan}: {@code lsn - durableLsn} when the frame was written (saturated).
 *       It is the evidence recovery needs: a damaged frame followed by a valid frame whose
 *       span shows the damaged one was already durable when it was written is corruption, never
 *       a torn tail.</li>
 *   <li>{@code crc}: CRC32C of bytes [0, 28) and the payload.</li>
 * </ul>
 */
public final class FrameDescriptor {
    public static final int LENGTH_OFFSET = 0;
    public static final int LENGTH_CHECK_OFFSET = LENGTH_OFFSET + 4;
    public static final int LSN_OFFSET = LENGTH_CHECK_OFFSET + 4;
    public static final int SALT_OFFSET = LSN_OFFSET + 8;
    public static final int TYPE_OFFSET = SALT_OFFSET + 4;
    public static final int FLAGS_OFFSET = TYPE_OFFSET + 2;
    public static final int UNSYNCED_SPAN_OFFSET = FLAGS_OFFSET + 2;
    public static final int CRC_OFFSET = UNSYNCED_SPAN_OFFSET + 4;
    public static final int HEADER_BYTES = CRC_OFFSET + 4;
    public static final int ALIGNMENT = 8;

    public static final short TYPE_RECORD = 1;
    /** Written by a clean close after the last record: everything before it was durable. */
    public static final short TYPE_COMMIT = (short) (2 | 0x8000);
    /**
     * Space an append reserved but could not fill (its payload source threw): zeros, skipped by
     * readers, uses no LSN (it carries the last record's, like a marker). Also the pad that ends
     * each DIRECT batch on a block boundary, so that no block holding an acknowledged record is
     * ever written again (a torn rewrite would destroy it); it costs up to a block plus a header
     * per batch (wal-core's {@code DirectLayout}).
     */
    public static final short TYPE_VOID = (short) (3 | 0x8000);
    public static final int SKIPPABLE = 0x8000;
    /**
     * Frame flag: this record belongs to an atomic batch and more records of the batch follow.
     * The batch's last record has it clear: it is the batch's commit. A log whose last record
     * still has it set ends in a batch that was cut by a crash, and opening drops that batch.
     */
    public static final short FLAG_BATCH_CONTINUES = 1;

    private static final int SALT_LOG_BITS = 20;
    private static final int SALT_INDEX_BITS = 12;

    static {
        assert HEADER_BYTES == 32 : "frame header is 32 bytes";
        assert HEADER_BYTES % ALIGNMENT == 0;
        assert SALT_LOG_BITS + SALT_INDEX_BITS == 32;
    }

    private FrameDescriptor() {
    }

    /** The bytes a frame with this payload occupies: header, payload, padding to 8. */
    public static int frameBytes(int payloadBytes) {
        return HEADER_BYTES + ((payloadBytes + ALIGNMENT - 1) & ~(ALIGNMENT - 1));
    }

    /** The segment identity stamped in each of its frames. */
    public static int salt(long logId, long segmentIndex) {
        int logPart = (int) (mix(logId) >>> (64 - SALT_LOG_BITS));
        int indexPart = (int) (segmentIndex & ((1 << SALT_INDEX_BITS) - 1));
        return (logPart << SALT_INDEX_BITS) | indexPart;
    }

    /** True when the salt names the same log (it may be another segment of it: a stale frame). */
    public static boolean sameLog(int saltA, int saltB) {
        return (saltA >>> SALT_INDEX_BITS) == (saltB >>> SALT_INDEX_BITS);
    }

    /** The length word as published: length in the low half, its complement in the high half. */
    public static long lengthWord(int payloadBytes) {
        return (payloadBytes & 0xFFFF_FFFFL) | ((~payloadBytes & 0xFFFF_FFFFL) << 32);
    }

    public static boolean isSkippable(short type) {
        return (type & SKIPPABLE) != 0;
    }

    /** A 64-bit finaliser (SplitMix64), so nearby log ids give unrelated salts. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
