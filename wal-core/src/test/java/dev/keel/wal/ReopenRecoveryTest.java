package dev.keel.wal;

import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.DamageKind;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reopening after damage, end to end: a log of 100 records of 100 bytes in one segment, left
 * as a crash leaves it (no clean marker, no COMMIT frame), then damaged on disk.
 */
class ReopenRecoveryTest {
    static final int RECORDS = 100;
    static final int PAYLOAD = 100;
    static final int FRAME = FrameDescriptor.frameBytes(PAYLOAD);

    @TempDir
    Path dir;
    Path segment;

    static WalOptions opts() {
        return WalOptions.defaults().segmentBytes(1 << 20).maxRecordBytes(4096);
    }

    static long frameOffset(long lsn) {
        return SegmentHeaderDescriptor.HEADER_BYTES + (lsn - 1) * FRAME;
    }

    @BeforeEach
    void writeCrashedLog() throws IOException {
        try (Wal wal = Wal.open(dir, opts())) {
            for (long i = 1; i <= RECORDS; i++) {
                wal.append(WalBasicsTest.payload(i, PAYLOAD));
            }
        }
        segment = SegmentFiles.segmentPath(dir, 1);
        Files.delete(dir.resolve(SegmentFiles.CLEAN_FILE));
        writeAt(frameOffset(RECORDS + 1), new byte[FrameDescriptor.HEADER_BYTES]);
    }

    void writeAt(long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    byte[] readAt(long offset, int n) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "r")) {
            byte[] b = new byte[n];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    void flipByte(long offset) throws IOException {
        byte[] b = readAt(offset, 1);
        b[0] ^= 0x40;
        writeAt(offset, b);
    }

    @Test
    void aCrashWithoutDamageLosesNothing() throws IOException {
        try (Wal wal = Wal.open(dir, opts())) {
            assertEquals(RECORDS, wal.lastLsn());
            assertEquals(0, wal.recoveryReport().bytesCut());
            assertTrue(wal.recoveryReport().damage().isEmpty());
        }
    }

    @Test
    void aTornLastRecordIsCutSetAsideAndOverwritten() throws IOException {
        byte[] torn = readAt(frameOffset(RECORDS), FRAME);
        writeAt(frameOffset(RECORDS) + 40, new byte[FRAME - 40]);
        try (Wal wal = Wal.open(dir, opts())) {
            assertEquals(RECORDS - 1, wal.lastLsn(), wal.recoveryReport().summary());
            assertEquals(DamageKind.TORN_PAYLOAD, wal.recoveryReport().damage().get(0).kind());
            assertTrue(wal.recoveryReport().bytesCut() >= 40);
            assertEquals(1, wal.recoveryReport().quarantined().size(),
                "only the cut bytes are set aside, never a prepared segment that holds nothing: "
                    + wal.recoveryReport().quarantined());
            Path cut = wal.recoveryReport().quarantined().get(0);
            assertTrue(Files.exists(cut), "the cut bytes are kept aside: " + cut);
            assertArrayEquals(java.util.Arrays.copyOf(torn, 40), java.util.Arrays.copyOf(Files.readAllBytes(cut), 40));
            assertEquals(RECORDS, wal.append(WalBasicsTest.payload(777, PAYLOAD)));
        }
        Files.delete(dir.resolve(SegmentFiles.CLEAN_FILE));
        try (Wal wal = Wal.open(dir, opts()); WalReader r = wal.reader(RECORDS)) {
            assertEquals(RECORDS, wal.lastLsn(), wal.recoveryReport().summary());
            assertTrue(r.next());
            assertArrayEquals(WalBasicsTest.payload(777, PAYLOAD), WalBasicsTest.bytes(r.payload()));
        }
    }

    @Test
    void aTornLengthAtTheTailIsCut() throws IOException {
        ByteBuffer word = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 999).putInt(4, 12345);
        writeAt(frameOffset(RECORDS + 1), word.array());
        try (Wal wal = Wal.open(dir, opts())) {
            assertEquals(RECORDS, wal.lastLsn());
            assertEquals(DamageKind.TORN_HEADER, wal.recoveryReport().damage().get(0).kind());
        }
    }

    @Test
    void aBadRecordWithDurableRecordsAfterItIsCorruptionNotATornTail() throws IOException {
        flipByte(frameOffset(50) + FrameDescriptor.HEADER_BYTES + 3);
        CorruptLogException e = assertThrows(CorruptLogException.class, () -> Wal.open(dir, opts()));
        assertEquals(DamageKind.BAD_CRC, e.damage().get(0).kind());
        assertEquals(frameOffset(50), e.damage().get(0).offsetBytes());
        assertTrue(e.getMessage().contains(segment.getFileName().toString()), e.getMessage());
        assertTrue(Files.exists(segment), "nothing is changed on a refused open");
        assertEquals(1 << 20, Files.size(segment));
    }

    @Test
    void absoluteConsistencyRefusesEvenATornTail() throws IOException {
        writeAt(frameOffset(RECORDS) + 40, new byte[FRAME - 40]);
        assertThrows(CorruptLogException.class,
            () -> Wal.open(dir, opts().recoveryMode(RecoveryMode.ABSOLUTE_CONSISTENCY)));
        try (Wal wal = Wal.open(dir, opts())) {
            assertEquals(RECORDS - 1, wal.lastLsn());
        }
    }

    @Test
    void aSegmentOfAnotherFormatVersionIsRefusedByName() throws IOException {
        byte[] header = readAt(0, SegmentHeaderDescriptor.CRC_OFFSET);
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putInt(SegmentHeaderDescriptor.VERSION_OFFSET, 9);
        CRC32C crc = new CRC32C();
        crc.update(header);
        writeAt(0, header);
        writeAt(SegmentHeaderDescriptor.CRC_OFFSET,
            ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue()).array());
        for (RecoveryMode mode : RecoveryMode.values()) {
            CorruptLogException e = assertThrows(CorruptLogException.class, () -> Wal.open(dir, opts().recoveryMode(mode)));
            assertTrue(e.getMessage().contains("format version 9"), e.getMessage());
        }
    }
}
