package dev.keel.recovery.format;

import dev.keel.recovery.DamageKind;
import dev.keel.recovery.DamageTable;
import dev.keel.recovery.RecoveryMode;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The frame and segment header layouts at the byte level, as RocksDB's log_test does it. */
class FrameFormatTest {
    private static final long LOG_ID = 0x1234_5678_9ABC_DEF0L;
    private final ByteBuffer region = BufferUtil.allocateDirectAligned(1 << 16, 4096);
    private final FrameCodec codec = new FrameCodec(region);
    private final UnsafeBuffer buf = codec.buffer();

    private int writeFrame(int offset, long lsn, byte[] payload) {
        buf.putBytes(offset + FrameDescriptor.HEADER_BYTES, payload);
        return codec.encode(offset, payload.length, lsn, FrameDescriptor.salt(LOG_ID, 3), FrameDescriptor.TYPE_RECORD, 7);
    }

    @Test
    void theLayoutIsWhatTheJavadocDraws() {
        assertEquals(32, FrameDescriptor.HEADER_BYTES);
        assertEquals(0, FrameDescriptor.LENGTH_OFFSET);
        assertEquals(4, FrameDescriptor.LENGTH_CHECK_OFFSET);
        assertEquals(8, FrameDescriptor.LSN_OFFSET);
        assertEquals(16, FrameDescriptor.SALT_OFFSET);
        assertEquals(20, FrameDescriptor.TYPE_OFFSET);
        assertEquals(24, FrameDescriptor.UNSYNCED_SPAN_OFFSET);
        assertEquals(28, FrameDescriptor.CRC_OFFSET);
        assertEquals(40, FrameDescriptor.frameBytes(1));
        assertEquals(32, FrameDescriptor.frameBytes(0));
        assertEquals(40, FrameDescriptor.frameBytes(8));
        assertEquals(48, FrameDescriptor.frameBytes(9));
        assertEquals(56, SegmentHeaderDescriptor.CRC_OFFSET);
    }

    @Test
    void aWrittenFrameChecksValidWithItsFields() {
        byte[] payload = "hello, keel".getBytes();
        int n = writeFrame(64, 42, payload);
        assertEquals(FrameDescriptor.frameBytes(payload.length), n);
        assertEquals(FrameCheck.VALID, codec.check(64, 1 << 16, 1 << 20));
        assertEquals(42, codec.lsn());
        assertEquals(payload.length, codec.length());
        assertEquals(FrameDescriptor.TYPE_RECORD, codec.type());
        assertEquals(7, codec.unsyncedSpan());
        assertEquals(FrameDescriptor.salt(LOG_ID, 3), codec.salt());
        for (int pad = 64 + 32 + payload.length; pad < 64 + n; pad++) {
            assertEquals(0, buf.getByte(pad), "padding byte " + pad);
        }
    }

    @Test
    void flippingAnyBitOfAnyByteOfTheFrameIsDetected() {
        byte[] payload = new byte[100];
        new Random(1).nextBytes(payload);
        int n = writeFrame(0, 9, payload);
        for (int i = 0; i < n; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte original = buf.getByte(i);
                buf.putByte(i, (byte) (original ^ (1 << bit)));
                FrameCheck check = codec.check(0, 1 << 16, 1 << 20);
                boolean padding = i >= FrameDescriptor.HEADER_BYTES + payload.length;
                if (!padding) {
                    assertNotEquals(FrameCheck.VALID, check, "flip of bit " + bit + " at byte " + i + " passed");
                }
                buf.putByte(i, original);
            }
        }
        assertEquals(FrameCheck.VALID, codec.check(0, 1 << 16, 1 << 20));
    }

    @Test
    void aFrameCutShortAtEveryLengthIsNeverValid() {
        byte[] payload = new byte[200];
        new Random(2).nextBytes(payload);
        int n = writeFrame(0, 5, payload);
        for (int limit = 0; limit < n; limit++) {
            FrameCheck check = codec.check(0, limit, 1 << 20);
            assertTrue(check == FrameCheck.TRUNCATED || check == FrameCheck.ZEROS && limit < 8,
                "frame cut at " + limit + " gave " + check);
        }
    }

    @Test
    void zerosAreNotAFrameAndATornLengthIsCaughtBeforeItIsTrusted() {
        assertEquals(FrameCheck.ZEROS, codec.check(1024, 4096, 1 << 20));
        buf.putInt(2048, 100);
        assertEquals(FrameCheck.TORN_LENGTH, codec.check(2048, 4096, 1 << 20), "length without its complement");
        buf.putLong(3000, FrameDescriptor.lengthWord(5000));
        assertEquals(FrameCheck.BAD_LENGTH, codec.check(3000, 8192, 4096), "length beyond the limit");
    }

    @Test
    void saltsTellLogsAndSegmentsApart() {
        int a = FrameDescriptor.salt(LOG_ID, 1);
        int b = FrameDescriptor.salt(LOG_ID, 2);
        int other = FrameDescriptor.salt(LOG_ID + 1, 1);
        assertNotEquals(a, b);
        assertTrue(FrameDescriptor.sameLog(a, b));
        assertNotEquals(a, other);
        assertTrue(!FrameDescriptor.sameLog(a, other));
    }

    @Test
    void theSegmentHeaderRoundTripsAndEveryByteIsCovered() {
        SegmentHeaderDescriptor.encode(buf, 0, LOG_ID, 7, 1000, 64 << 20, 1234);
        assertEquals(null, SegmentHeaderDescriptor.problem(buf, 0));
        SegmentHeaderDescriptor.Header h = SegmentHeaderDescriptor.decode(buf, 0);
        assertEquals(new SegmentHeaderDescriptor.Header(1, LOG_ID, 7, 1000, 64 << 20, 1234), h);
        for (int i = 0; i < SegmentHeaderDescriptor.CRC_OFFSET + 4; i++) {
            byte original = buf.getByte(i);
            buf.putByte(i, (byte) (original ^ 0x10));
            assertNotEquals(null, SegmentHeaderDescriptor.problem(buf, 0), "flip at header byte " + i);
            buf.putByte(i, original);
        }
        buf.putInt(SegmentHeaderDescriptor.VERSION_OFFSET, 2);
        SegmentHeaderDescriptor.encode(buf, 4096, LOG_ID, 7, 1000, 64 << 20, 1234);
        buf.putInt(4096 + SegmentHeaderDescriptor.VERSION_OFFSET, 2);
        buf.putInt(4096 + SegmentHeaderDescriptor.CRC_OFFSET, SegmentHeaderDescriptor.crc(buf, 4096));
        assertTrue(SegmentHeaderDescriptor.problem(buf, 4096).startsWith("format version 2 is not supported"));
    }

    @Test
    void theDecisionTableNeverCutsMidLogDamageInTheDefaultMode() {
        for (DamageKind k : DamageKind.values()) {
            for (DamageTable.Evidence proof : new DamageTable.Evidence[] {DamageTable.Evidence.LATER_DURABLE_FRAME,
                DamageTable.Evidence.CLEAN_SHUTDOWN_MARKER}) {
                assertEquals(DamageTable.Action.THROW, DamageTable.decide(RecoveryMode.TOLERATE_CORRUPTED_TAIL, k, proof),
                    k.name() + " with " + proof);
            }
            assertEquals(DamageTable.Action.THROW, DamageTable.decide(RecoveryMode.ABSOLUTE_CONSISTENCY, k,
                DamageTable.Evidence.NONE), k.name());
        }
        assertEquals(DamageTable.Action.CUT, DamageTable.decide(RecoveryMode.TOLERATE_CORRUPTED_TAIL, DamageKind.TORN_PAYLOAD,
            DamageTable.Evidence.NONE));
        assertEquals(DamageTable.Action.SKIP, DamageTable.decide(RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS, DamageKind.BAD_CRC,
            DamageTable.Evidence.LATER_DURABLE_FRAME));
        assertEquals(DamageTable.Action.CUT, DamageTable.decide(RecoveryMode.POINT_IN_TIME, DamageKind.BAD_CRC,
            DamageTable.Evidence.CLEAN_SHUTDOWN_MARKER));
        assertEquals(DamageTable.Action.THROW,
            DamageTable.decide(RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS, DamageKind.UNKNOWN_FORMAT_VERSION, DamageTable.Evidence.NONE));
    }
}
