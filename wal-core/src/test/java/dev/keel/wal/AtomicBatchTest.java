package dev.keel.wal;

import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Wal#appendBatch}: all records of a batch or none, after a cut at every byte of the
 * batch's frames (a torn tail: the bytes before the cut reached the disk, zeros after), and
 * after a hole at every 8-byte word of it (a later write landed, an earlier one did not).
 */
class AtomicBatchTest {
    static final int PREFIX = 3;
    static final int BATCH = 3;
    static final int PAYLOAD = 16;
    static final int FRAME = FrameDescriptor.frameBytes(PAYLOAD);
    static final long BATCH_START = SegmentHeaderDescriptor.HEADER_BYTES + (long) PREFIX * FRAME;
    static final long BATCH_END = BATCH_START + (long) BATCH * FRAME;

    @TempDir
    Path dir;
    @TempDir
    Path scratch;

    static WalOptions opts() {
        return WalOptions.defaults().segmentBytes(64 << 10).maxRecordBytes(4096);
    }

    static ByteBuffer[] batch() {
        ByteBuffer[] b = new ByteBuffer[BATCH];
        for (int i = 0; i < BATCH; i++) {
            b[i] = ByteBuffer.wrap(WalBasicsTest.payload(PREFIX + 1 + i, PAYLOAD));
        }
        return b;
    }

    @Test
    void aBatchGetsConsecutiveLsnsAndReadsBack() throws IOException {
        try (Wal wal = Wal.open(dir, opts())) {
            wal.append(new byte[5]);
            assertEquals(1 + BATCH, wal.appendBatch(batch()));
            for (int i = 0; i < BATCH; i++) {
                assertArrayEquals(WalBasicsTest.payload(PREFIX + 1 + i, PAYLOAD), wal.read(2 + i));
            }
        }
    }

    @Test
    void aBatchLargerThanTheLogBufferStaysContiguousUnderConcurrentAppends() throws Exception {
        WalOptions o = WalOptions.defaults().segmentBytes(1 << 20).maxRecordBytes(8 << 10).logBufferBytes(64 << 10);
        try (Wal wal = Wal.open(dir, o)) {
            Thread other = new Thread(() -> {
                try {
                    for (int i = 0; i < 300; i++) {
                        wal.append(new byte[] {(byte) 0xEE});
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            other.start();
            ByteBuffer[] big = new ByteBuffer[64];
            for (int i = 0; i < big.length; i++) {
                big[i] = ByteBuffer.wrap(WalBasicsTest.payload(i, 4000));
            }
            long last = wal.appendBatch(big);
            other.join();
            for (int i = 0; i < big.length; i++) {
                assertArrayEquals(WalBasicsTest.payload(i, 4000), wal.read(last - big.length + 1 + i), "batch record " + i);
            }
        }
    }

    /** Writes 3 records and a batch of 3, then leaves the log as a crash would (no clean marker, no COMMIT frame). */
    private void writeCrashedTemplate() throws IOException {
        try (Wal wal = Wal.open(dir, opts())) {
            for (long i = 1; i <= PREFIX; i++) {
                wal.append(WalBasicsTest.payload(i, PAYLOAD));
            }
            wal.appendBatch(batch());
        }
        Files.delete(dir.resolve(SegmentFiles.CLEAN_FILE));
        zero(dir, BATCH_END, BATCH_END + FrameDescriptor.HEADER_BYTES); // the clean close's COMMIT frame
    }

    private static void zero(Path log, long from, long to) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(SegmentFiles.segmentPath(log, 1).toFile(), "rw")) {
            f.seek(from);
            f.write(new byte[(int) (to - from)]);
        }
    }

    private Path copy(Path from, String name) throws IOException {
        Path to = scratch.resolve(name);
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(p)) {
                    Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return to;
    }

    /** Opens the damaged copy and checks the batch is wholly there or wholly gone, and the prefix intact. */
    private void assertAllOrNone(Path log, String what, boolean expectAll) throws IOException {
        try (Wal wal = Wal.open(log, opts())) {
            long last = wal.lastLsn();
            assertTrue(last == PREFIX || last == PREFIX + BATCH, what + ": last LSN " + last);
            assertEquals(expectAll ? PREFIX + BATCH : PREFIX, last, what);
            for (long i = 1; i <= last; i++) {
                byte[] expected = WalBasicsTest.payload(i, PAYLOAD);
                assertArrayEquals(expected, wal.read(i), what + ": lsn " + i);
            }
            assertNull(wal.read(last + 1), what);
            if (!expectAll && wal.droppedIncompleteBatch() != null) {
                assertEquals(PREFIX + 1, wal.droppedIncompleteBatch().firstLsn(), what);
            }
            assertEquals(last + 1, wal.append(new byte[1]), what + ": appending continues after the batch or the prefix");
        }
        try (Wal wal = Wal.open(log, opts())) {
            assertEquals(expectAll ? PREFIX + BATCH + 1 : PREFIX + 1, wal.lastLsn(), what + ": stable across a second open");
        }
    }

    @Test
    void aCutAtEveryByteOfTheBatchLeavesNoneOfIt() throws IOException {
        writeCrashedTemplate();
        for (long cut = BATCH_START; cut <= BATCH_END; cut++) {
            Path log = copy(dir, "cut-" + cut);
            zero(log, cut, BATCH_END);
            assertAllOrNone(log, "cut at byte " + cut, cut == BATCH_END);
            deleteTree(log);
        }
    }

    @Test
    void aHoleAtEveryWordOfTheBatchLeavesNoneOfIt() throws IOException {
        writeCrashedTemplate();
        for (long hole = BATCH_START; hole < BATCH_END; hole += 8) {
            Path log = copy(dir, "hole-" + hole);
            zero(log, hole, hole + 8);
            long inFrame = (hole - BATCH_START) % FRAME;
            boolean zeroWasThere = inFrame >= FrameDescriptor.HEADER_BYTES + PAYLOAD; // padding: already zero
            assertAllOrNone(log, "hole at byte " + hole, zeroWasThere);
            deleteTree(log);
        }
    }

    @Test
    void theFlagTellsApartABatchFromSingleRecords() throws IOException {
        writeCrashedTemplate();
        // Drop only the batch's last record: the two before it still say "more follows".
        zero(dir, BATCH_END - FRAME, BATCH_END);
        try (Wal wal = Wal.open(dir, opts())) {
            assertEquals(PREFIX, wal.lastLsn());
            assertEquals(new dev.keel.recovery.LsnRange(PREFIX + 1, PREFIX + BATCH - 1), wal.droppedIncompleteBatch());
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
    }
}
