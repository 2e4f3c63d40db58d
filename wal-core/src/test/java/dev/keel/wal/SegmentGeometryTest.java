package dev.keel.wal;

import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A segment's size is its header's: reopening with another segmentBytes changes only segments made after. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SegmentGeometryTest {
    private static final int PAYLOAD_BYTES = 1000;

    @TempDir
    Path dir;

    @Test
    void reopeningWithLargerSegmentsFillsTheTailOnlyToItsOwnSizeThenRollsAtTheNewSize() throws IOException {
        long small = 256 << 10;
        long large = 1 << 20;
        long written = appendRecords(WalOptions.defaults().segmentBytes(small), 1, 150); // 150 KB into segment 1
        written = appendRecords(WalOptions.defaults().segmentBytes(large), written + 1, 300); // 300 KB more
        assertEquals(small, Files.size(SegmentFiles.segmentPath(dir, 1)), "segment 1 grew past its header's size");
        assertEquals(small, headerSegmentBytes(1));
        assertEquals(large, Files.size(SegmentFiles.segmentPath(dir, 2)), "the next segment has the new size");
        assertEquals(large, headerSegmentBytes(2));
        assertAllReadable(WalOptions.defaults().segmentBytes(large), written);
    }

    @Test
    void reopeningWithSmallerSegmentsFillsTheTailToItsOwnLargerSize() throws IOException {
        long large = 1 << 20;
        long small = 64 << 10;
        long written = appendRecords(WalOptions.defaults().segmentBytes(large), 1, 100);
        written = appendRecords(WalOptions.defaults().segmentBytes(small).maxRecordBytes(PAYLOAD_BYTES), written + 1, 600);
        // 700 KB fits segment 1 (1 MiB): no roll to the smaller size yet.
        assertFalse(Files.exists(SegmentFiles.segmentPath(dir, 2)) && headerSegmentBytes(2) != 0,
            "segment 1 still had room: nothing may be written in segment 2");
        written = appendRecords(WalOptions.defaults().segmentBytes(small).maxRecordBytes(PAYLOAD_BYTES), written + 1, 400);
        assertEquals(large, Files.size(SegmentFiles.segmentPath(dir, 1)));
        assertEquals(small, Files.size(SegmentFiles.segmentPath(dir, 2)));
        assertEquals(small, headerSegmentBytes(2));
        assertAllReadable(WalOptions.defaults().segmentBytes(small).maxRecordBytes(PAYLOAD_BYTES), written);
    }

    private long appendRecords(WalOptions options, long firstLsn, int count) throws IOException {
        try (Wal wal = Wal.open(dir, options)) {
            for (int i = 0; i < count; i++) {
                assertEquals(firstLsn + i, wal.append(WalBasicsTest.payload(firstLsn + i, PAYLOAD_BYTES)));
            }
            return wal.lastLsn();
        }
    }

    private void assertAllReadable(WalOptions options, long lastLsn) throws IOException {
        try (Wal wal = Wal.open(dir, options.recoveryMode(dev.keel.recovery.RecoveryMode.ABSOLUTE_CONSISTENCY));
             WalReader r = wal.reader(1)) {
            assertEquals(lastLsn, wal.lastLsn());
            for (long lsn = 1; lsn <= lastLsn; lsn++) {
                assertTrue(r.next(), "record " + lsn);
                assertArrayEquals(WalBasicsTest.payload(lsn, PAYLOAD_BYTES), WalBasicsTest.bytes(r.payload()));
            }
            assertFalse(r.next());
        }
    }

    /** The segmentBytes field of a segment's header, or 0 when the header is blank (a spare). */
    private long headerSegmentBytes(long index) throws IOException {
        byte[] header = new byte[SegmentHeaderDescriptor.HEADER_BYTES];
        try (var in = Files.newInputStream(SegmentFiles.segmentPath(dir, index))) {
            assertEquals(header.length, in.readNBytes(header, 0, header.length));
        }
        UnsafeBuffer view = new UnsafeBuffer(header);
        return SegmentHeaderDescriptor.isBlank(view, 0) ? 0 : SegmentHeaderDescriptor.decode(view, 0).segmentBytes();
    }
}
