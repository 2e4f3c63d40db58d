package dev.keel.wal;

import dev.keel.recovery.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WalBasicsTest {
    @TempDir
    Path dir;

    static byte[] payload(long lsn, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (lsn * 31 + i);
        }
        return b;
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    static WalOptions small() {
        return WalOptions.defaults().segmentBytes(64 << 10).maxRecordBytes(8 << 10);
    }

    @Test
    void appendsGetDenseLsnsAndReadBackIdentical() throws IOException {
        try (Wal wal = Wal.open(dir, small())) {
            assertEquals(0, wal.lastLsn());
            assertEquals(0, wal.firstLsn());
            for (long i = 1; i <= 500; i++) {
                assertEquals(i, wal.append(payload(i, (int) (i % 300))));
            }
            assertEquals(500, wal.durableLsn());
            assertEquals(1, wal.firstLsn());
            assertTrue(wal.stats().segments() > 1, "64 KiB segments must have rolled: " + wal.stats());
            try (WalReader r = wal.reader(1)) {
                for (long i = 1; i <= 500; i++) {
                    assertTrue(r.next(), "record " + i);
                    assertEquals(i, r.lsn());
                    assertArrayEquals(payload(i, (int) (i % 300)), bytes(r.payload()));
                }
                assertFalse(r.next());
            }
        }
    }

    @Test
    void aCleanCloseReopensWithoutAScanAndContinues() throws IOException {
        try (Wal wal = Wal.open(dir, small())) {
            for (long i = 1; i <= 300; i++) {
                wal.append(payload(i, 100));
            }
        }
        assertTrue(Files.exists(dir.resolve(SegmentFiles.CLEAN_FILE)));
        try (Wal wal = Wal.open(dir, small())) {
            assertTrue(wal.recoveryReport().cleanShutdown(), wal.recoveryReport().summary());
            assertFalse(Files.exists(dir.resolve(SegmentFiles.CLEAN_FILE)), "the marker must be gone before appending");
            assertEquals(300, wal.lastLsn());
            assertEquals(301, wal.append(payload(301, 100)));
            try (WalReader r = wal.reader(295)) {
                for (long i = 295; i <= 301; i++) {
                    assertTrue(r.next());
                    assertEquals(i, r.lsn());
                    assertArrayEquals(payload(i, 100), bytes(r.payload()));
                }
            }
        }
        try (Wal wal = Wal.open(dir, small())) {
            assertEquals(301, wal.lastLsn());
        }
    }

    @Test
    void withoutTheCleanMarkerTheLogIsScannedAndContinues() throws IOException {
        try (Wal wal = Wal.open(dir, small())) {
            for (long i = 1; i <= 300; i++) {
                wal.append(payload(i, 100));
            }
        }
        Files.delete(dir.resolve(SegmentFiles.CLEAN_FILE));
        try (Wal wal = Wal.open(dir, small())) {
            assertFalse(wal.recoveryReport().cleanShutdown());
            assertEquals(300, wal.recoveryReport().recordsFound(), wal.recoveryReport().summary());
            assertEquals(300, wal.lastLsn());
            assertEquals(301, wal.append(payload(301, 100)));
        }
    }

    @Test
    void asyncAppendsCompleteInOrderAndAReaderTailsThem() throws Exception {
        try (Wal wal = Wal.open(dir, small())) {
            List<CompletableFuture<Long>> futures = new ArrayList<>();
            for (int i = 1; i <= 1000; i++) {
                futures.add(wal.appendAsync(ByteBuffer.wrap(("r" + i).getBytes(StandardCharsets.UTF_8))));
            }
            try (WalReader r = wal.reader(1)) {
                for (int i = 1; i <= 1000; i++) {
                    assertEquals(i, futures.get(i - 1).get(30, TimeUnit.SECONDS));
                }
                int seen = 0;
                while (r.next()) {
                    seen++;
                    assertEquals("r" + seen, StandardCharsets.UTF_8.decode(r.payload()).toString());
                }
                assertEquals(1000, seen);
                wal.append("late".getBytes(StandardCharsets.UTF_8));
                assertTrue(r.next(), "a tailing reader sees a record made durable later");
                assertEquals(1001, r.lsn());
            }
        }
    }

    @Test
    void badInputIsRefusedClearly() throws IOException {
        try (Wal wal = Wal.open(dir, small())) {
            IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> wal.append(new byte[9000]));
            assertTrue(big.getMessage().contains("9000") && big.getMessage().contains("maxRecordBytes=8192"), big.getMessage());
            assertThrows(IllegalArgumentException.class, () -> wal.append((byte[]) null));
            assertThrows(IllegalArgumentException.class, () -> wal.reader(0));
            assertThrows(IllegalArgumentException.class, () -> wal.reader(2));
            assertThrows(IllegalArgumentException.class, () -> wal.truncateBefore(-1));
            IOException inUse = assertThrows(IOException.class, () -> Wal.open(dir, small()));
            assertTrue(inUse.getMessage().contains("in use"), inUse.getMessage());
            wal.append(new byte[10]);
        }
        Wal closed = Wal.open(dir, small());
        closed.close();
        assertThrows(WalClosedException.class, () -> closed.append(new byte[1]));
        Files.write(dir.resolve("notes.txt"), new byte[] {1});
        IOException foreign = assertThrows(IOException.class, () -> Wal.open(dir, small()));
        assertTrue(foreign.getMessage().contains("notes.txt"), foreign.getMessage());
    }

    @Test
    void truncateAfterDiscardsDurablyAndTheNextAppendContinues() throws IOException {
        try (Wal wal = Wal.open(dir, small())) {
            for (long i = 1; i <= 400; i++) {
                wal.append(payload(i, 200));
            }
            wal.truncateAfter(123);
            assertEquals(123, wal.lastLsn());
            assertEquals(124, wal.append(payload(9124, 50)));
            try (WalReader r = wal.reader(122)) {
                assertTrue(r.next());
                assertEquals(122, r.lsn());
                assertTrue(r.next());
                assertEquals(123, r.lsn());
                assertTrue(r.next());
                assertEquals(124, r.lsn());
                assertArrayEquals(payload(9124, 50), bytes(r.payload()));
                assertFalse(r.next());
            }
        }
        Files.delete(dir.resolve(SegmentFiles.CLEAN_FILE));
        try (Wal wal = Wal.open(dir, small())) {
            assertEquals(124, wal.lastLsn(), wal.recoveryReport().summary());
        }
    }

    @Test
    void anInterruptedAppenderStillGetsItsLsnAndKeepsTheInterrupt() throws IOException {
        try (Wal wal = Wal.open(dir, small())) {
            Thread.currentThread().interrupt();
            try {
                assertEquals(1, wal.append(payload(1, 10)));
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept for the caller");
            } finally {
                Thread.interrupted();
            }
            assertEquals(1, wal.durableLsn());
        }
    }

    @Test
    void truncateBeforeDeletesWholeOldSegments() throws IOException {
        try (Wal wal = Wal.open(dir, small())) {
            for (long i = 1; i <= 1000; i++) {
                wal.append(payload(i, 200));
            }
            int before = wal.stats().segments();
            wal.truncateBefore(700);
            assertTrue(wal.stats().segments() < before);
            assertTrue(wal.firstLsn() > 1 && wal.firstLsn() <= 700, "firstLsn " + wal.firstLsn());
            try (WalReader r = wal.reader(700)) {
                assertTrue(r.next());
                assertEquals(700, r.lsn());
            }
        }
    }
}
