package dev.keel.wal.recovery;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * A payload that proves by itself that it is one a test writer produced: recovery tests read
 * back records from logs that were damaged, cut or killed mid-write, and must tell a real record
 * from bytes that merely pass the log's own checks.
 *
 * <pre>
 *   0 magic "KPL1" u32 | 4 totalBytes u32 | 8 seed u64 | 16 body: SplittableRandom(seed) bytes
 *   totalBytes - 4: CRC32C of [0, totalBytes - 4)
 * </pre>
 *
 * The body is derived from the seed, so the check regenerates it: a payload passes only if every
 * byte is what {@link #create} wrote.
 */
final class SelfCheckingPayload {
    static final int MIN_BYTES = 20;
    private static final int MAGIC = 0x314C504B; // "KPL1" little-endian
    private static final int LENGTH_OFFSET = 4;
    private static final int SEED_OFFSET = 8;
    private static final int BODY_OFFSET = 16;

    private SelfCheckingPayload() {
    }

    static byte[] create(long seed, int totalBytes) {
        if (totalBytes < MIN_BYTES) {
            throw new IllegalArgumentException("totalBytes=" + totalBytes + " must be >= " + MIN_BYTES);
        }
        byte[] b = new byte[totalBytes];
        ByteBuffer view = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        view.putInt(0, MAGIC).putInt(LENGTH_OFFSET, totalBytes).putLong(SEED_OFFSET, seed);
        fillBody(b, seed);
        view.putInt(totalBytes - 4, crc32c(b, totalBytes - 4));
        return b;
    }

    /** Why {@code b} is not a payload {@link #create} wrote, or null when it is one. */
    static String problem(byte[] b) {
        if (b.length < MIN_BYTES) {
            return "payload of " + b.length + " bytes is shorter than " + MIN_BYTES;
        }
        ByteBuffer view = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (view.getInt(0) != MAGIC || view.getInt(LENGTH_OFFSET) != b.length) {
            return "payload of " + b.length + " bytes has a wrong magic or length field";
        }
        if (view.getInt(b.length - 4) != crc32c(b, b.length - 4)) {
            return "payload checksum mismatch";
        }
        byte[] expected = new byte[b.length];
        fillBody(expected, view.getLong(SEED_OFFSET));
        for (int i = BODY_OFFSET; i < b.length - 4; i++) {
            if (b[i] != expected[i]) {
                return "payload body differs from its seed at byte " + i;
            }
        }
        return null;
    }

    static String problem(ByteBuffer payload) {
        return problem(bytes(payload));
    }

    static byte[] bytes(ByteBuffer payload) {
        byte[] out = new byte[payload.remaining()];
        payload.duplicate().get(out);
        return out;
    }

    /** CRC32 (not C) of the whole payload: what the crash test's child prints per acknowledged record. */
    static long crc32(byte[] b) {
        CRC32 crc = new CRC32();
        crc.update(b);
        return crc.getValue();
    }

    private static void fillBody(byte[] b, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = BODY_OFFSET; i < b.length - 4; i++) {
            b[i] = (byte) random.nextInt(256);
        }
    }

    private static int crc32c(byte[] b, int length) {
        CRC32C crc = new CRC32C();
        crc.update(b, 0, length);
        return (int) crc.getValue();
    }
}
