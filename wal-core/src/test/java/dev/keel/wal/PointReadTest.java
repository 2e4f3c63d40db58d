package dev.keel.wal;

import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Wal#read}: point reads by LSN through the record-offset index, across segments, reopen, truncation. */
class PointReadTest {
    @TempDir
    Path dir;

    static WalOptions opts() {
        return WalOptions.defaults().segmentBytes(64 << 10).maxRecordBytes(8 << 10);
    }

    static int sizeOf(long lsn) {
        return (int) (lsn * 37 % 3000) + 1; // varied sizes, so frame offsets are not a formula
    }

    @Test
    void readsEveryRecordAcrossSegmentsBeforeAndAfterReopen() throws IOException {
        int n = 400;
        try (Wal wal = Wal.open(dir, opts())) {
            for (long i = 1; i <= n; i++) {
                wal.append(WalBasicsTest.payload(i, sizeOf(i)));
            }
            assertTrue(wal.stats().segments() > 5, "the records span several segments");
            for (long i = n; i >= 1; i--) { // backwards: no reliance on a forward cursor
                assertArrayEquals(WalBasicsTest.payload(i, sizeOf(i)), wal.read(i), "lsn " + i);
            }
            assertNull(wal.read(0));
            assertNull(wal.read(n + 1));
        }
        try (Wal wal = Wal.open(dir, opts())) {
            for (long i = 1; i <= n; i += 7) {
                assertArrayEquals(WalBasicsTest.payload(i, sizeOf(i)), wal.read(i), "lsn " + i + " after reopen");
            }
            long next = wal.append(WalBasicsTest.payload(n + 1, 10));
            assertEquals(n + 1, next);
            assertArrayEquals(WalBasicsTest.payload(n + 1, 10), wal.read(n + 1), "a record appended after reopen");
            assertArrayEquals(WalBasicsTest.payload(n, sizeOf(n)), wal.read(n), "the tail's records before reopen");
        }
    }

    @Test
    void readAfterTruncateAfterSeesTheNewRecords() throws IOException {
        try (Wal wal = Wal.open(dir, opts())) {
            for (long i = 1; i <= 50; i++) {
                wal.append(WalBasicsTest.payload(i, 100));
            }
            wal.truncateAfter(30);
            assertNull(wal.read(31));
            wal.append(WalBasicsTest.payload(1000, 200));
            assertArrayEquals(WalBasicsTest.payload(1000, 200), wal.read(31));
            assertArrayEquals(WalBasicsTest.payload(30, 100), wal.read(30));
        }
    }

    @Test
    void aDamagedRecordIsAnErrorNotAnAbsence() throws IOException {
        try (Wal wal = Wal.open(dir, opts())) {
            for (long i = 1; i <= 5; i++) {
                wal.append(WalBasicsTest.payload(i, 100));
            }
        }
        try (Wal wal = Wal.open(dir, opts())) {
            assertArrayEquals(WalBasicsTest.payload(3, 100), wal.read(3)); // index built; now damage the payload
            long frame3 = SegmentHeaderDescriptor.HEADER_BYTES + 2L * dev.keel.recovery.format.FrameDescriptor.frameBytes(100);
            try (RandomAccessFile f = new RandomAccessFile(SegmentFiles.segmentPath(dir, 1).toFile(), "rw")) {
                f.seek(frame3 + dev.keel.recovery.format.FrameDescriptor.HEADER_BYTES + 5);
                f.write(0x5A ^ f.readByte());
            }
            assertThrows(CorruptLogException.class, () -> wal.read(3));
        }
    }
}
