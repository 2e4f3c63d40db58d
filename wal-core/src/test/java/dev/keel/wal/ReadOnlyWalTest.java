package dev.keel.wal;

import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Wal#openReadOnly}: readers and stats, no lock, no repair, not a byte written. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReadOnlyWalTest {
    private static final int RECORDS = 300;
    private static final int PAYLOAD_BYTES = 500;

    @TempDir
    Path dir;

    @Test
    void readsEveryRecordAndChangesNothingInTheDirectory() throws IOException {
        writeLog(dir);
        Map<String, String> before = snapshot(dir);
        try (ReadOnlyWal view = Wal.openReadOnly(dir, WalBasicsTest.small())) {
            assertEquals(1, view.firstLsn());
            assertEquals(RECORDS, view.lastLsn());
            assertTrue(view.stats().segments() > 1, view.stats().toString());
            assertEquals(RECORDS, view.stats().durableLsn());
            assertReadsAll(view, RECORDS);
            assertThrows(IllegalArgumentException.class, () -> view.reader(RECORDS + 2));
        }
        assertEquals(before, snapshot(dir), "a read-only open changed the directory");
        try (Wal wal = Wal.open(dir, WalBasicsTest.small())) {
            assertTrue(wal.recoveryReport().cleanShutdown(), "the clean-shutdown marker is still there for the writer");
        }
    }

    @Test
    void opensBesideAWriterThatHoldsTheLockAndShowsWhatWasDurableAtOpen() throws IOException {
        try (Wal wal = Wal.open(dir, WalBasicsTest.small())) {
            for (int i = 1; i <= RECORDS; i++) {
                wal.append(WalBasicsTest.payload(i, PAYLOAD_BYTES));
            }
            try (ReadOnlyWal view = Wal.openReadOnly(dir, WalBasicsTest.small())) {
                wal.append(WalBasicsTest.payload(RECORDS + 1, PAYLOAD_BYTES));
                assertEquals(RECORDS, view.lastLsn());
                assertReadsAll(view, RECORDS);
            }
            assertEquals(RECORDS + 1, wal.append(WalBasicsTest.payload(RECORDS + 2, PAYLOAD_BYTES)) - 1,
                "the writer goes on undisturbed");
        }
    }

    @Test
    void damageIsNotRepairedAndAStrictModeStillRefusesIt() throws IOException {
        writeLog(dir);
        Files.delete(dir.resolve(SegmentFiles.CLEAN_FILE)); // as after a crash: the scan runs
        Path last = SegmentFiles.list(dir).segments().stream().reduce((a, b) -> b).orElseThrow();
        long garbageAt = (lastNonZeroByte(last) + 8) & ~7L;
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
            byte[] junk = new byte[64];
            Arrays.fill(junk, (byte) 0x5A);
            ch.write(ByteBuffer.wrap(junk), garbageAt);
        }
        Map<String, String> before = snapshot(dir);
        try (ReadOnlyWal view = Wal.openReadOnly(dir, WalBasicsTest.small())) {
            assertEquals(RECORDS, view.lastLsn(), view.recoveryReport().summary());
            assertFalse(view.recoveryReport().damage().isEmpty(), "the torn tail is reported");
            assertReadsAll(view, RECORDS);
        }
        assertThrows(CorruptLogException.class,
            () -> Wal.openReadOnly(dir, WalBasicsTest.small().recoveryMode(RecoveryMode.ABSOLUTE_CONSISTENCY)));
        assertEquals(before, snapshot(dir), "nothing cut, zeroed or quarantined");
    }

    @Test
    void aMissingDirectoryOrARegularFileIsAnErrorAndNothingIsCreated() throws IOException {
        Path missing = dir.resolve("missing");
        assertThrows(NoSuchFileException.class, () -> Wal.openReadOnly(missing, WalOptions.defaults()));
        assertFalse(Files.exists(missing));
        Path file = Files.writeString(dir.resolve("file"), "x");
        IOException e = assertThrows(IOException.class, () -> Wal.openReadOnly(file, WalOptions.defaults()));
        assertTrue(e.getMessage().contains("regular file"), e.getMessage());
    }

    @Test
    void aClosedViewRefusesReaders() throws IOException {
        writeLog(dir);
        ReadOnlyWal view = Wal.openReadOnly(dir, WalBasicsTest.small());
        WalReader open = view.reader(1);
        view.close();
        assertThrows(WalClosedException.class, () -> view.reader(1));
        assertThrows(WalClosedException.class, open::next);
        open.close();
    }

    @Test
    void readsALogOnReadOnlyMediaWhereAWritableOpenFails() throws IOException {
        try (Tmpfs media = Tmpfs.mount(dir, "8m")) {
            Path log = media.path().resolve("log");
            writeLog(log);
            media.remountReadOnly();
            assertThrows(IOException.class, () -> Wal.open(log, WalBasicsTest.small()), "a writer needs keel.lock");
            try (ReadOnlyWal view = Wal.openReadOnly(log, WalBasicsTest.small())) {
                assertEquals(RECORDS, view.lastLsn());
                assertReadsAll(view, RECORDS);
            }
        }
    }

    /**
     * keel.head, read as Wal.open reads it: after truncatePrefix inside a segment the view starts
     * at the head (records below it do not come back), the same first and last LSN as a writable open.
     */
    @Test
    void startsAtTheHeadAfterTruncatePrefixInsideASegment() throws IOException {
        writeLog(dir);
        try (Wal wal = Wal.open(dir, WalBasicsTest.small())) {
            wal.truncatePrefix(123);
        }
        Map<String, String> before = snapshot(dir);
        try (ReadOnlyWal view = Wal.openReadOnly(dir, WalBasicsTest.small())) {
            assertEquals(123, view.firstLsn(), "the head, not the segment's first record");
            assertEquals(RECORDS, view.lastLsn());
            assertThrows(IllegalArgumentException.class, () -> view.reader(122), "below the head is not the log");
            try (WalReader r = view.reader(123)) {
                assertTrue(r.next());
                assertEquals(123, r.lsn());
            }
        }
        assertEquals(before, snapshot(dir), "the view wrote nothing");
        try (Wal wal = Wal.open(dir, WalBasicsTest.small())) {
            assertEquals(123, wal.firstLsn());
            assertEquals(RECORDS, wal.lastLsn());
        }
    }

    /**
     * A reset whose head was committed but whose old segments a crash left behind: the view does
     * not read the dead segments (nor delete them), and shows the empty log at the reset's LSN, as
     * Wal.open then does.
     */
    @Test
    void leavesOutTheSegmentsACommittedResetLeftBehind() throws IOException {
        writeLog(dir);
        long lastIndex;
        try (Stream<Path> s = Files.list(dir)) {
            lastIndex = s.mapToLong(SegmentFiles::indexOf).max().orElseThrow();
        }
        try (dev.keel.aio.AioContext ctx = dev.keel.aio.Aio.backend("threads").open(dev.keel.aio.AioOptions.defaults())) {
            new LogHead(1000, lastIndex + 1).write(ctx, dir); // a reset's commit point, then a crash before its deletions
        }
        try (ReadOnlyWal view = Wal.openReadOnly(dir, WalBasicsTest.small())) {
            assertEquals(0, view.firstLsn(), "empty");
            assertEquals(999, view.lastLsn(), "continues at the reset's LSN");
            assertEquals(0, view.recoveryReport().damage().size(), view.recoveryReport().summary());
            try (WalReader r = view.reader(1000)) {
                assertFalse(r.next());
            }
        }
        assertTrue(Files.exists(SegmentFiles.segmentPath(dir, 1)), "a read-only view deletes nothing");
        try (Wal wal = Wal.open(dir, WalBasicsTest.small())) {
            assertEquals(0, wal.firstLsn());
            assertEquals(999, wal.lastLsn());
        }
    }

    private static void writeLog(Path log) throws IOException {
        try (Wal wal = Wal.open(log, WalBasicsTest.small())) {
            for (int i = 1; i <= RECORDS; i++) {
                assertEquals(i, wal.append(WalBasicsTest.payload(i, PAYLOAD_BYTES)));
            }
        }
    }

    private static void assertReadsAll(ReadOnlyWal view, long lastLsn) throws IOException {
        try (WalReader r = view.reader(1)) {
            for (long lsn = 1; lsn <= lastLsn; lsn++) {
                assertTrue(r.next(), "record " + lsn);
                assertEquals(lsn, r.lsn());
                assertArrayEquals(WalBasicsTest.payload(lsn, PAYLOAD_BYTES), WalBasicsTest.bytes(r.payload()));
            }
            assertFalse(r.next());
        }
    }

    private static long lastNonZeroByte(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] != 0) {
                return i;
            }
        }
        return 0;
    }

    /** Every path under {@code d} with its size, modification time and content hash. */
    private static Map<String, String> snapshot(Path d) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String what = Files.isDirectory(p) ? "dir" : Files.size(p) + " " + Files.getLastModifiedTime(p) + " "
                    + Arrays.hashCode(Files.readAllBytes(p));
                out.put(d.relativize(p).toString(), what);
            }
        }
        return out;
    }
}
