package dev.keel.wal;

import dev.keel.recovery.Damage;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * truncateBefore hands old segments back as spares and the next roll reuses one. A recycled file
 * is full of valid old frames of this very log: they must never pass as records, never count as
 * "valid frames after damage", and every crash point of the reuse must reopen as a valid log.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RecycledSegmentTest {
    private static final long SEGMENT_BYTES = 64 << 10;
    private static final int PAYLOAD_BYTES = 500;
    private static final int FRAME_BYTES = 32 + 504;

    @TempDir
    Path dir;

    private static WalOptions options(RecoveryMode mode) {
        return WalOptions.defaults().segmentBytes(SEGMENT_BYTES).recoveryMode(mode);
    }

    /** Appends until segment {@code index} exists with a record in it; returns the last LSN. */
    private static long appendInto(Wal wal, long index) throws IOException {
        long lsn = wal.lastLsn();
        while (wal.segments().count() == 0 || wal.segments().snapshot().get(wal.segments().count() - 1).index() < index) {
            lsn = wal.append(WalBasicsTest.payload(lsn + 1, PAYLOAD_BYTES));
        }
        return lsn;
    }

    @Test
    void truncateBeforeKeepsBoundedSparesAndTheNextRollReusesOne() throws IOException {
        long last;
        try (Wal wal = Wal.open(dir, options(RecoveryMode.ABSOLUTE_CONSISTENCY))) {
            last = appendInto(wal, 5);
            long firstOf5 = wal.segments().snapshot().get(4).firstLsn();
            wal.truncateBefore(firstOf5); // drops 1..4: two spares kept, two deleted
            assertEquals(List.of(SegmentFiles.spareName(1), SegmentFiles.spareName(2)), names(".spare"));
            assertFalse(Files.exists(SegmentFiles.segmentPath(dir, 3)));
            Object spareInode = Files.getAttribute(dir.resolve(SegmentFiles.spareName(1)), "unix:ino");
            Object spare2Inode = Files.getAttribute(dir.resolve(SegmentFiles.spareName(2)), "unix:ino");
            last = appendInto(wal, 8);
            assertEquals(List.of(), names(".spare"), "later rolls used both spares");
            List<Object> inodes = List.of(Files.getAttribute(SegmentFiles.segmentPath(dir, 6), "unix:ino"),
                Files.getAttribute(SegmentFiles.segmentPath(dir, 7), "unix:ino"),
                Files.getAttribute(SegmentFiles.segmentPath(dir, 8), "unix:ino"));
            assertTrue(inodes.contains(spareInode) && inodes.contains(spare2Inode), "the spares' files became segments");
        }
        Files.delete(dir.resolve(SegmentFiles.CLEAN_FILE)); // reopen by the full scan, as after a crash
        try (Wal wal = Wal.open(dir, options(RecoveryMode.ABSOLUTE_CONSISTENCY))) {
            assertEquals(List.of(), wal.recoveryReport().damage(), "stale frames after a live end are not damage");
            assertEquals(last, wal.lastLsn());
            assertReadsFrom(wal, wal.firstLsn(), last);
        }
    }

    /** The log before and after a roll reused spare 1 as segment 6, and the spare's old bytes. */
    private record Reuse(Map<String, byte[]> after, byte[] spare, byte[] reused, long lastOf5) {
        /** The state after the reuse with segment 6 (and the clean marker) taken out. */
        Map<String, byte[]> withoutSegment6() {
            Map<String, byte[]> m = new TreeMap<>(after);
            m.remove(SegmentFiles.segmentName(6));
            m.remove(SegmentFiles.CLEAN_FILE);
            return m;
        }
    }

    private Reuse reuseSpareAsSegment6() throws IOException {
        Path base = dir.resolve("base");
        try (Wal wal = Wal.open(base, options(RecoveryMode.ABSOLUTE_CONSISTENCY))) {
            appendInto(wal, 5);
            wal.truncateBefore(wal.segments().snapshot().get(2).firstLsn()); // segments 1 and 2 become spares
        }
        byte[] spare = Files.readAllBytes(base.resolve(SegmentFiles.spareName(1)));
        assertTrue(countRecordWords(spare) > 100, "the spare is full of valid-looking old frames");
        try (Wal wal = Wal.open(base, options(RecoveryMode.ABSOLUTE_CONSISTENCY))) {
            long last = appendInto(wal, 6);
            for (int i = 1; i <= 5; i++) {
                wal.append(WalBasicsTest.payload(last + i, PAYLOAD_BYTES));
            }
        }
        assertFalse(Files.exists(base.resolve(SegmentFiles.spareName(1))), "spare 1 became segment 6");
        byte[] reused = Files.readAllBytes(SegmentFiles.segmentPath(base, 6));
        long firstOf6 = SegmentHeaderDescriptor.decode(new UnsafeBuffer(reused), 0).firstLsn();
        return new Reuse(read(base), spare, reused, firstOf6 - 1);
    }

    /**
     * The reuse of a spare as segment 6, cut at each step: the spare half zeroed (still a spare),
     * wholly zeroed, renamed, then the committer's header and first frames over it, at and inside
     * frame boundaries.
     */
    @Test
    void everyCutOfTheReuseReopensWithEveryRecordAndNoStaleOne() throws IOException {
        Reuse reuse = reuseSpareAsSegment6();
        List<String> cuts = List.of("zeroed:4096", "zeroed:20000", "zeroed:all", "renamed", "new:0", "new:16",
            "new:" + FRAME_BYTES, "new:" + (FRAME_BYTES + 100), "new:" + (2 * FRAME_BYTES), "new:" + (3 * FRAME_BYTES - 8));
        for (String cut : cuts) {
            Path log = dir.resolve(cut.replace(':', '-'));
            write(log, reuse.withoutSegment6());
            byte[] file = reuse.spare().clone();
            long newBytes = -1;
            if (cut.startsWith("zeroed:")) {
                int upTo = cut.equals("zeroed:all") ? file.length : Integer.parseInt(cut.substring(7));
                Arrays.fill(file, 0, upTo, (byte) 0);
                Files.write(log.resolve(SegmentFiles.spareName(1)), file);
            } else {
                Arrays.fill(file, (byte) 0);
                if (cut.startsWith("new:")) {
                    newBytes = Long.parseLong(cut.substring(4));
                    System.arraycopy(reuse.reused(), 0, file, 0, (int) (SegmentHeaderDescriptor.HEADER_BYTES + newBytes));
                }
                Files.write(SegmentFiles.segmentPath(log, 6), file);
            }
            assertReopensAt(log, cut, reuse.lastOf5() + Math.max(0, newBytes) / FRAME_BYTES,
                newBytes > 0 && newBytes % FRAME_BYTES != 0);
        }
    }

    /** Reopens a copy of {@code log} in two modes, checks its records, appends over the cut and rescans. */
    private void assertReopensAt(Path log, String cut, long expectedLast, boolean tornNewFrame) throws IOException {
        for (RecoveryMode mode : List.of(RecoveryMode.TOLERATE_CORRUPTED_TAIL, RecoveryMode.ABSOLUTE_CONSISTENCY)) {
            if (tornNewFrame && mode == RecoveryMode.ABSOLUTE_CONSISTENCY) {
                continue; // a torn tail: ABSOLUTE_CONSISTENCY refuses it by design (DamageTable T2)
            }
            Path copy = dir.resolve(log.getFileName() + "-" + mode);
            write(copy, read(log));
            try (Wal wal = Wal.open(copy, options(mode))) {
                String what = "cut " + cut + ", " + mode + ": " + wal.recoveryReport().summary();
                assertEquals(expectedLast, wal.lastLsn(), what);
                for (Damage d : wal.recoveryReport().damage()) {
                    assertTrue(tornNewFrame && d.segment().endsWith(SegmentFiles.segmentName(6)), "only the torn frame: " + d);
                }
                assertReadsFrom(wal, wal.firstLsn(), wal.lastLsn());
                assertEquals(expectedLast + 1, wal.append(WalBasicsTest.payload(expectedLast + 1, PAYLOAD_BYTES)), what);
                appendInto(wal, 7);
            }
            Files.delete(copy.resolve(SegmentFiles.CLEAN_FILE));
            try (Wal wal = Wal.open(copy, options(RecoveryMode.ABSOLUTE_CONSISTENCY))) {
                assertEquals(List.of(), wal.recoveryReport().damage(), "cut " + cut + ": after appending over it, a clean scan");
                assertReadsFrom(wal, wal.firstLsn(), wal.lastLsn());
            }
        }
    }

    /**
     * Were a spare's old frames ever to reach a live segment unzeroed (as segment 6, blank or
     * with its new header), none passes as a record: they carry segment 1's salt and old LSNs.
     */
    @Test
    void oldFramesInALiveSegmentNeverPassAsRecords() throws IOException {
        Reuse reuse = reuseSpareAsSegment6();
        for (boolean withHeader : new boolean[] {false, true}) {
            Path log = dir.resolve("unzeroed-" + withHeader);
            write(log, reuse.withoutSegment6());
            byte[] file = reuse.spare().clone();
            byte[] header = withHeader ? reuse.reused() : new byte[SegmentHeaderDescriptor.HEADER_BYTES];
            System.arraycopy(header, 0, file, 0, SegmentHeaderDescriptor.HEADER_BYTES);
            Files.write(SegmentFiles.segmentPath(log, 6), file);
            try (Wal wal = Wal.open(log, options(RecoveryMode.TOLERATE_CORRUPTED_TAIL))) {
                String what = (withHeader ? "new header" : "zero header") + ": " + wal.recoveryReport().summary();
                assertEquals(reuse.lastOf5(), wal.lastLsn(), what);
                assertFalse(wal.recoveryReport().damage().isEmpty(), "old frames in a live segment are reported: " + what);
                assertReadsFrom(wal, wal.firstLsn(), reuse.lastOf5());
            }
        }
    }

    private static int countRecordWords(byte[] file) {
        UnsafeBuffer b = new UnsafeBuffer(file);
        int n = 0;
        for (int i = SegmentHeaderDescriptor.HEADER_BYTES; i + 8 <= file.length; i += 8) {
            long w = b.getLong(i);
            if ((int) w == PAYLOAD_BYTES && (int) (w >>> 32) == ~PAYLOAD_BYTES) {
                n++;
            }
        }
        return n;
    }

    private static void assertReadsFrom(Wal wal, long from, long last) throws IOException {
        try (WalReader r = wal.reader(from)) {
            for (long lsn = from; lsn <= last; lsn++) {
                assertTrue(r.next(), "record " + lsn);
                assertEquals(lsn, r.lsn());
                assertArrayEquals(WalBasicsTest.payload(lsn, PAYLOAD_BYTES), WalBasicsTest.bytes(r.payload()), "LSN " + lsn);
            }
            assertFalse(r.next(), "nothing after the last LSN " + last);
        }
    }

    private List<String> names(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
        }
    }

    private static Map<String, byte[]> read(Path d) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    out.put(p.getFileName().toString(), Files.readAllBytes(p));
                }
            }
        }
        return out;
    }

    private static void write(Path d, Map<String, byte[]> files) throws IOException {
        Files.createDirectories(d);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Files.write(d.resolve(e.getKey()), e.getValue());
        }
    }
}
