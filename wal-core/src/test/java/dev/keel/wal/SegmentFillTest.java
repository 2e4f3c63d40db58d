package dev.keel.wal;

import dev.keel.recovery.RecoveryMode;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link WalOptions#zeroFillSegments} off: segments are only allocated, yet each has its full
 * size, reads as zeros past the records (the log opens with no damage after a roll), and every
 * record comes back, buffered and DIRECT.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SegmentFillTest {
    private static final long SEGMENT_BYTES = 256 << 10;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "directIo={0}")
    @ValueSource(booleans = {false, true})
    void allocatedOnlySegmentsRollAndReopenWithEveryRecord(boolean directIo) throws Exception {
        WalOptions options = WalOptions.defaults().segmentBytes(SEGMENT_BYTES).zeroFillSegments(false).directIo(directIo)
            .durability(directIo ? Durability.OPEN_DSYNC : Durability.FDATASYNC);
        int records = 400;
        try (Wal wal = Wal.open(dir, options)) {
            for (int i = 1; i <= records; i++) {
                assertEquals(i, wal.append(WalBasicsTest.payload(i, 2000)));
            }
        }
        List<Path> segments = files(".seg");
        assertTrue(segments.size() >= 3, "the records span several segments: " + segments);
        for (Path p : segments) {
            assertEquals(SEGMENT_BYTES, Files.size(p), p + " has its full size");
        }
        assertEquals(List.of(), files(".prep"), "no preparation left behind");
        try (Wal wal = Wal.open(dir, options.recoveryMode(RecoveryMode.ABSOLUTE_CONSISTENCY)); WalReader r = wal.reader(1)) {
            for (long lsn = 1; lsn <= records; lsn++) {
                assertTrue(r.next(), "LSN " + lsn);
                assertEquals(lsn, r.lsn());
                assertArrayEquals(WalBasicsTest.payload((int) lsn, 2000), WalBasicsTest.bytes(r.payload()), "LSN " + lsn);
            }
            assertFalse(r.next(), "nothing after the last record");
        }
    }

    private List<Path> files(String suffix) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }
}
