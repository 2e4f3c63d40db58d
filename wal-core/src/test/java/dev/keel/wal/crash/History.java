package dev.keel.wal.crash;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * What the workload asked of the log and what the log promised, each stamped with the disk
 * model's sequence, so that a crash point can be compared with them.
 *
 * <p>Payloads prove by themselves which append made them:
 * <pre>
 *   0 magic u32 | 4 key u64 (writer << 32 | counter) | 12 totalBytes u32 | 16 body (SplittableRandom(key)) | CRC32C u32
 * </pre>
 * so a recovered record is either one the workload submitted (and then it names its key) or
 * bytes that were never appended.
 */
final class History {
    private static final int MAGIC = 0x4B435845; // "EXCK"
    static final int MIN_BYTES = 20;

    /** One acknowledgement: append of {@code key} returned {@code lsn} before event {@code ackedAt}. */
    record Ack(long lsn, long key, long ackedAt) {
    }

    /** What a truncation removes: records below its LSN, after it, or every one (a reset); for good once it returned, or not. */
    enum Cut {
        /** truncateBefore: whole segments below the LSN go; records below it in a kept segment may still be read. */
        BEFORE("truncateBefore", false),
        /** truncatePrefix: the head (keel.head) moves to the LSN; nothing below it is read again. */
        PREFIX("truncatePrefix", true),
        AFTER("truncateAfter", true),
        /** reset: the log empties and continues at the LSN (a new epoch in keel.head). */
        RESET("reset", true);

        final String call;
        final boolean forGood;

        Cut(String call, boolean forGood) {
            this.call = call;
            this.forGood = forGood;
        }

        boolean covers(long ackedLsn, long lsn) {
            return switch (this) {
                case BEFORE, PREFIX -> ackedLsn < lsn;
                case AFTER -> ackedLsn > lsn;
                case RESET -> true;
            };
        }
    }

    /** A truncation the workload ran, between two events. */
    record Truncation(Cut cut, long lsn, long startedAt, long endedAt) {
    }

    private final DiskModel model;
    private final Map<Long, Long> submittedAt = new ConcurrentHashMap<>();
    private final List<Ack> acks = new ArrayList<>();
    private final List<Truncation> truncations = new ArrayList<>();

    History(DiskModel model) {
        this.model = model;
    }

    /** A payload for {@code key}, registered as submitted from now on. */
    byte[] submit(long key, int totalBytes) {
        submittedAt.put(key, model.mark("submit " + key));
        return payload(key, totalBytes);
    }

    synchronized void acked(long lsn, long key) {
        acks.add(new Ack(lsn, key, model.mark("ack LSN " + lsn)));
    }

    long truncationStarts(Cut cut, long lsn) {
        return model.mark(cut.call + " " + lsn);
    }

    synchronized void truncationEnded(Cut cut, long lsn, long startedAt) {
        truncations.add(new Truncation(cut, lsn, startedAt, model.mark("truncation done")));
    }

    /** The most data writes the model has seen in flight at once so far. */
    int maxWritesInFlight() {
        return model.maxWritesInFlight();
    }

    synchronized List<Ack> acks() {
        return List.copyOf(acks);
    }

    synchronized List<Truncation> truncations() {
        return List.copyOf(truncations);
    }

    /** When {@code key} was submitted, or Long.MAX_VALUE if never. */
    long submittedAt(long key) {
        return submittedAt.getOrDefault(key, Long.MAX_VALUE);
    }

    static byte[] payload(long key, int totalBytes) {
        byte[] b = new byte[Math.max(MIN_BYTES, totalBytes)];
        ByteBuffer v = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        v.putInt(0, MAGIC).putLong(4, key).putInt(12, b.length);
        SplittableRandom r = new SplittableRandom(key);
        for (int i = 16; i < b.length - 4; i++) {
            b[i] = (byte) r.nextInt();
        }
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        v.putInt(b.length - 4, (int) crc.getValue());
        return b;
    }

    /** The key a payload proves it was made for, or -1 when it is not exactly a payload {@link #payload} made. */
    static long keyOf(byte[] b) {
        if (b.length < MIN_BYTES) {
            return -1;
        }
        ByteBuffer v = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (v.getInt(0) != MAGIC || v.getInt(12) != b.length) {
            return -1;
        }
        long key = v.getLong(4);
        return java.util.Arrays.equals(b, payload(key, b.length)) ? key : -1;
    }
}
