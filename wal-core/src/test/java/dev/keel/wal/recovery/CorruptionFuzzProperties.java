package dev.keel.wal.recovery;

import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.format.FrameCodec;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.RecoveryReport;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;
import dev.keel.wal.WalReader;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Arbitrary damage to a valid log's segment files: ranges overwritten with random bytes, with
 * zeros, or with frames that look valid (right or wrong salt, any LSN, any type, a correct CRC
 * over a self-checking payload), anywhere in any segment, headers included. Then, in each
 * recovery mode, {@code Wal.open} either succeeds or throws {@link CorruptLogException}: never
 * another exception, never a hang (each open runs under a timeout). When it opens, every record
 * a reader returns is a payload the writer produced, in increasing LSN order, as many as the
 * report counts (a dense prefix in POINT_IN_TIME); appending then continues and the next open
 * accepts what this one repaired. The loss is bounded: every record wholly before the first
 * byte the damage changed (in log order) survives, with its payload, in every mode that opens the
 * log: damage can cost the records it touches and (as the mode says) those after it, never
 * those before it. A recovery that cut the whole log would fail here.
 *
 * <p>Each try: up to 8 overwrites of up to 16 KiB over a 500-record, 4-segment log, opened in
 * all four modes on the threads backend. 100 tries take about 10 s here; raise {@code tries}
 * to hunt longer. jqwik prints the seed of each run (and of a failure), and
 * {@code @Property(seed = "...")} replays it.
 */
class CorruptionFuzzProperties {
    static final int RECORDS = 500;
    static final int PAYLOAD_BYTES = 300;
    static final long SEGMENT_BYTES = 64 << 10;
    static final long OPEN_TIMEOUT_SECONDS = 30;

    enum Vandalism { RANDOM_BYTES, ZEROS, VALID_LOOKING_FRAME }

    /** One overwrite: what, in which segment file (modulo how many there are), where, how long, with which randomness. */
    record Overwrite(Vandalism what, int segmentOrdinal, long offsetBytes, int lengthBytes, long seed) {
    }

    private static Path root;
    private static TemplateLog template;
    private static ExecutorService opener;
    private static int tries;

    @BeforeContainer
    static void writeTemplate() throws IOException {
        root = Files.createTempDirectory("keel-fuzz-");
        template = TemplateLog.write(root.resolve("template"), SEGMENT_BYTES, RECORDS, PAYLOAD_BYTES, 5_000_000, "threads");
        opener = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-open");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        opener.shutdownNow();
        try {
            LogSurgery.deleteDir(root);
        } catch (IOException e) {
            // Temporary files are not what this class checks: say what was left, do not fail for it.
            System.out.println("could not delete " + root + " (" + e + "); left it for the OS to clean");
        }
    }

    @Provide
    Arbitrary<List<Overwrite>> vandalism() {
        Arbitrary<Overwrite> one = Combinators.combine(
            Arbitraries.of(Vandalism.class),
            Arbitraries.integers().between(0, 7),
            Arbitraries.longs().between(0, SEGMENT_BYTES - 1),
            Arbitraries.integers().between(1, 16 << 10),
            Arbitraries.longs()).as(Overwrite::new);
        return one.list().ofMinSize(1).ofMaxSize(8);
    }

    @Property(tries = 100)
    void anyDamageOpensConsistentlyOrIsRefused(@ForAll("vandalism") List<Overwrite> overwrites) throws Exception {
        Path damaged = root.resolve("try-" + ++tries);
        try {
            template.copyTo(damaged);
            for (Overwrite o : overwrites) {
                apply(damaged, o);
            }
            long intact = recordsBeforeTheFirstChangedByte(damaged);
            for (RecoveryMode mode : RecoveryMode.values()) {
                Path dir = root.resolve("try-" + tries + "-" + mode);
                LogSurgery.copyDir(damaged, dir);
                Future<?> check = opener.submit(() -> {
                    openAndCheck(dir, mode, overwrites, intact);
                    return null;
                });
                try {
                    check.get(OPEN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    fail(mode + ": Wal.open or reading did not finish in " + OPEN_TIMEOUT_SECONDS + " s after " + overwrites);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw new AssertionError(mode + ": " + e.getCause() + " after " + overwrites, e.getCause());
                }
                LogSurgery.deleteDir(dir);
            }
        } finally {
            LogSurgery.deleteDir(damaged);
        }
    }

    /**
     * How many records (LSN 1 to the answer) lie wholly before the first byte, in log order, that
     * differs from the template: the records no recovery mode may lose.
     */
    static long recordsBeforeTheFirstChangedByte(Path damaged) throws IOException {
        List<Path> original = SegmentFiles.list(template.dir()).segments();
        List<Path> now = SegmentFiles.list(damaged).segments();
        int firstOrdinal = original.size();
        long firstOffset = 0;
        for (int i = 0; i < original.size() && firstOrdinal == original.size(); i++) {
            long at = Files.mismatch(original.get(i), now.get(i));
            if (at >= 0) {
                firstOrdinal = i;
                firstOffset = at;
            }
        }
        long intact = 0;
        for (LogSurgery.Frame f : LogSurgery.records(template.dir())) {
            int ordinal = original.indexOf(f.segment());
            if (ordinal < firstOrdinal || (ordinal == firstOrdinal && f.endOffsetBytes() <= firstOffset)) {
                intact = f.lsn();
            }
        }
        return intact;
    }

    /** The bound finds a planted loss: a "recovery" that dropped every segment fails it. */
    @Example
    void theLossBoundCatchesARecoveryThatLosesIntactRecords() throws Exception {
        Path dir = root.resolve("planted");
        template.copyTo(dir);
        LogSurgery.zero(SegmentFiles.segmentPath(dir, 3), 5000, 100);
        long intact = recordsBeforeTheFirstChangedByte(dir);
        assertTrue(intact > 100, "segments 1 and 2 lie before the damage: " + intact);
        for (Path segment : SegmentFiles.list(dir).segments()) {
            Files.delete(segment);
        }
        AssertionError caught = assertThrows(AssertionError.class,
            () -> openAndCheck(dir, RecoveryMode.POINT_IN_TIME, List.of(), intact));
        assertTrue(caught.getMessage().contains("before the first damaged byte"), caught.getMessage());
        LogSurgery.deleteDir(dir);
    }

    private static void openAndCheck(Path dir, RecoveryMode mode, List<Overwrite> overwrites, long intact)
        throws Exception {
        WalOptions options = template.options(mode);
        Wal wal;
        try {
            wal = Wal.open(dir, options);
        } catch (CorruptLogException refused) {
            assertTrue(!refused.damage().isEmpty(), "a refusal lists the damage");
            return;
        }
        long last;
        try {
            RecoveryReport report = wal.recoveryReport();
            String where = mode + " " + report.summary() + " after " + overwrites;
            last = wal.lastLsn();
            assertTrue(last >= intact, "records 1.." + intact + " lie before the first damaged byte: " + where);
            long read = readAll(wal, mode, where, intact);
            assertEquals(report.recordsFound(), read, "the report counts the records a reader returns: " + where);
            assertEquals(last + 1, wal.append(SelfCheckingPayload.create(-1, PAYLOAD_BYTES)), where);
        } finally {
            wal.close();
        }
        try (Wal reopened = Wal.open(dir, options)) {
            assertEquals(last + 1, reopened.lastLsn(), "the next open accepts the repaired log: "
                + reopened.recoveryReport().summary());
        }
    }

    /** Reads every record, the first {@code intact} exactly as written; returns how many there were. */
    private static long readAll(Wal wal, RecoveryMode mode, String where, long intact) throws IOException {
        if (wal.lastLsn() == 0) {
            return 0;
        }
        long first = Math.max(1, wal.firstLsn());
        long previous = first - 1;
        long count = 0;
        try (WalReader r = wal.reader(first)) {
            while (r.next()) {
                assertTrue(r.lsn() > previous && r.lsn() <= wal.lastLsn(), "LSN " + r.lsn() + " after " + previous + ": " + where);
                if (mode != RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS) {
                    assertEquals(previous + 1, r.lsn(), "dense LSNs: " + where);
                }
                assertNull(SelfCheckingPayload.problem(r.payload()), "LSN " + r.lsn() + ": " + where);
                if (previous < intact) {
                    assertEquals(previous + 1, r.lsn(), "every record before the first damaged byte survives: " + where);
                    assertArrayEquals(template.payload(r.lsn()), SelfCheckingPayload.bytes(r.payload()), where);
                }
                previous = r.lsn();
                count++;
            }
        }
        assertTrue(previous >= intact, "read up to LSN " + previous + ", but records 1.." + intact
            + " lie before the first damaged byte: " + where);
        return count;
    }

    private static void apply(Path dir, Overwrite o) throws IOException {
        List<Path> segments = SegmentFiles.list(dir).segments();
        Path segment = segments.get(o.segmentOrdinal() % segments.size());
        long size = Files.size(segment);
        long at = Math.min(o.offsetBytes(), size - 1);
        int length = (int) Math.min(o.lengthBytes(), size - at);
        SplittableRandom random = new SplittableRandom(o.seed());
        byte[] bytes = switch (o.what()) {
            case RANDOM_BYTES -> randomBytes(random, length);
            case ZEROS -> new byte[length];
            case VALID_LOOKING_FRAME -> validLookingFrame(random, SegmentFiles.indexOf(segment));
        };
        if (o.what() == Vandalism.VALID_LOOKING_FRAME) {
            at = Math.max(SegmentHeaderDescriptor.HEADER_BYTES, at & ~(FrameDescriptor.ALIGNMENT - 1));
            if (at + bytes.length > size) {
                return;
            }
        }
        LogSurgery.writeAt(segment, at, bytes);
    }

    private static byte[] randomBytes(SplittableRandom random, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return b;
    }

    /**
     * A frame whose length word and CRC are right, over a self-checking payload: usually this
     * log's salt for the segment it lands in, sometimes another segment's or another log's; an
     * LSN near the log's; any type, known or not, skippable or not.
     */
    private static byte[] validLookingFrame(SplittableRandom random, long segmentIndex) throws IOException {
        long logId = LogSurgery.logId(SegmentFiles.segmentPath(template.dir(), 1));
        int payloadBytes = SelfCheckingPayload.MIN_BYTES + random.nextInt(400);
        ByteBuffer frame = ByteBuffer.allocate(FrameDescriptor.frameBytes(payloadBytes));
        frame.put(FrameDescriptor.HEADER_BYTES, SelfCheckingPayload.create(random.nextLong(), payloadBytes));
        int salt = switch (random.nextInt(4)) {
            case 0 -> FrameDescriptor.salt(logId, segmentIndex + 1);
            case 1 -> FrameDescriptor.salt(logId + 1, segmentIndex);
            default -> FrameDescriptor.salt(logId, segmentIndex);
        };
        short[] types = {FrameDescriptor.TYPE_RECORD, FrameDescriptor.TYPE_RECORD, FrameDescriptor.TYPE_COMMIT,
            FrameDescriptor.TYPE_VOID, 0x0042, (short) 0x8042};
        long lsn = 1 + random.nextInt(RECORDS + 50);
        new FrameCodec(frame).encode(0, payloadBytes, lsn, salt, types[random.nextInt(types.length)], random.nextInt(6));
        return frame.array();
    }
}
