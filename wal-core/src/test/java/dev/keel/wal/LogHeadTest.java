package dev.keel.wal;

import dev.keel.recovery.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The durable logical head: {@link Wal#truncatePrefix} at any LSN, {@link Wal#reset} to any LSN, each across a reopen. */
class LogHeadTest {
    @TempDir
    Path dir;

    static WalOptions opts() {
        return WalOptions.defaults().segmentBytes(64 << 10).maxRecordBytes(4096);
    }

    private static void fill(Wal wal, long from, long to) throws IOException {
        for (long i = from; i <= to; i++) {
            assertEquals(i, wal.append(WalBasicsTest.payload(i, 500)));
        }
    }

    @Test
    void truncatePrefixInsideASegmentSurvivesReopen() throws IOException {
        try (Wal wal = Wal.open(dir, opts())) {
            fill(wal, 1, 500);
            int before = wal.stats().segments();
            wal.truncatePrefix(257);
            assertEquals(257, wal.firstLsn());
            assertTrue(wal.stats().segments() < before, "whole segments below the head are deleted");
            assertNull(wal.read(256));
            assertArrayEquals(WalBasicsTest.payload(257, 500), wal.read(257));
            assertThrows(IllegalArgumentException.class, () -> wal.reader(256));
        }
        try (Wal wal = Wal.open(dir, opts())) {
            assertEquals(257, wal.firstLsn());
            assertEquals(500, wal.lastLsn());
            assertNull(wal.read(256));
            try (WalReader r = wal.reader(257)) {
                assertTrue(r.next());
                assertEquals(257, r.lsn());
            }
        }
    }

    @Test
    void truncatePrefixToTheEndLeavesAnEmptyLogThatContinues() throws IOException {
        try (Wal wal = Wal.open(dir, opts())) {
            fill(wal, 1, 10);
            wal.truncatePrefix(11);
            assertEquals(0, wal.firstLsn());
            assertEquals(11, wal.startLsn());
        }
        try (Wal wal = Wal.open(dir, opts())) {
            assertEquals(11, wal.startLsn());
            assertEquals(10, wal.lastLsn());
            fill(wal, 11, 12);
            assertEquals(11, wal.firstLsn());
        }
    }

    @Test
    void aNewLogStartsAtAnyLsn() throws IOException {
        try (Wal wal = Wal.open(dir, opts())) {
            wal.reset(1_000_000_000_000L);
            assertEquals(1_000_000_000_000L, wal.append(new byte[] {1}));
        }
        try (Wal wal = Wal.open(dir, opts())) {
            assertEquals(1_000_000_000_000L, wal.firstLsn());
            assertArrayEquals(new byte[] {1}, wal.read(1_000_000_000_000L));
        }
    }

    @Test
    void resetBelowAndAboveSurvivesReopenWithOrWithoutNewRecords() throws IOException {
        try (Wal wal = Wal.open(dir, opts())) {
            fill(wal, 1, 300);
            wal.reset(5000);
            assertEquals(0, wal.firstLsn());
            assertEquals(4999, wal.lastLsn());
            assertNull(wal.read(10));
        }
        try (Wal wal = Wal.open(dir, opts())) {
            assertEquals(5000, wal.startLsn());
            assertEquals(4999, wal.lastLsn());
            fill(wal, 5000, 5100);
            wal.reset(42); // below everything it ever held
            fill(wal, 42, 43);
        }
        try (Wal wal = Wal.open(dir, opts())) {
            assertEquals(42, wal.firstLsn());
            assertEquals(43, wal.lastLsn());
            assertArrayEquals(WalBasicsTest.payload(43, 500), wal.read(43));
            assertNull(wal.read(5000));
        }
    }

    @Test
    void aResetCommittedButNotFinishedIsFinishedAtOpen() throws IOException {
        try (Wal wal = Wal.open(dir, opts())) {
            fill(wal, 1, 300);
        }
        long lastIndex;
        try (var s = Files.list(dir)) {
            lastIndex = s.mapToLong(SegmentFiles::indexOf).max().orElseThrow();
        }
        try (dev.keel.aio.AioContext ctx = dev.keel.aio.Aio.backend("threads").open(dev.keel.aio.AioOptions.defaults())) {
            new LogHead(77, lastIndex + 1).write(ctx, dir); // the commit point of a reset, then a crash before the deletions
        }
        try (Wal wal = Wal.open(dir, opts())) {
            assertEquals(77, wal.startLsn());
            assertEquals(76, wal.lastLsn());
            assertNull(wal.read(5));
            assertEquals(77, wal.append(new byte[3]));
        }
        assertTrue(Files.notExists(SegmentFiles.segmentPath(dir, 1)), "segments below the epoch are gone");
    }

    @Test
    void aDamagedHeadIsRefused() throws IOException {
        try (Wal wal = Wal.open(dir, opts())) {
            fill(wal, 1, 3);
            wal.truncatePrefix(2);
        }
        byte[] b = Files.readAllBytes(dir.resolve(SegmentFiles.HEAD_FILE));
        b[9] ^= 1;
        Files.write(dir.resolve(SegmentFiles.HEAD_FILE), b);
        IOException e = assertThrows(IOException.class, () -> Wal.open(dir, opts()));
        assertTrue(e.getMessage().contains("keel.head"), e.getMessage());
    }
}
