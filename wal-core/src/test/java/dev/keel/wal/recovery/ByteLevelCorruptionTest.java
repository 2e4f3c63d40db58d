package dev.keel.wal.recovery;

import dev.keel.recovery.DamageKind;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.RecoveryReport;
import dev.keel.wal.Wal;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Corruption at the byte level, through {@code Wal.open}, as RocksDB's log_test.cc does it:
 * every byte of a frame header flipped in turn, the last record cut short at every offset
 * (the file truncated there, or zeros from there on), ranges zeroed. Each case starts from a
 * fresh copy of a crashed one-segment log of 40 records of 40 bytes (72-byte frames), opened on
 * the threads backend (see {@link TemplateLog#aioBackend()}: some 700 opens run here).
 */
@Timeout(value = 170, unit = TimeUnit.SECONDS)
class ByteLevelCorruptionTest {
    static final int RECORDS = 40;
    static final int PAYLOAD_BYTES = 40;
    static final long MID = 20;

    @TempDir
    static Path templates;
    static TemplateLog template;

    @TempDir
    Path work;
    private int labs;

    @BeforeAll
    static void writeTemplate() throws IOException {
        template = TemplateLog.write(templates.resolve("log"), 64 << 10, RECORDS, PAYLOAD_BYTES, 4_000_000, "threads");
    }

    private DamageLab freshLab() throws IOException {
        Path previous = work.resolve("lab-" + labs);
        LogSurgery.deleteDir(previous);
        return new DamageLab(template, work.resolve("lab-" + ++labs));
    }

    /** Mid-log (record 20 of 40): every flipped header byte is corruption with durable records after it. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(RecoveryMode.class)
    void everyFlippedHeaderByteOfAMidLogFrame(RecoveryMode mode) throws Exception {
        Outcome outcome = switch (mode) {
            case TOLERATE_CORRUPTED_TAIL, ABSOLUTE_CONSISTENCY -> Outcome.THROWS;
            case POINT_IN_TIME -> Outcome.CUTS;
            case SKIP_ANY_CORRUPTED_RECORDS -> Outcome.SKIPS;
        };
        flipEveryHeaderByte(mode, MID, outcome, DamageKind.BAD_CRC);
    }

    /** The last record: every flipped header byte is a torn tail. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(RecoveryMode.class)
    void everyFlippedHeaderByteOfTheLastFrame(RecoveryMode mode) throws Exception {
        Outcome outcome = mode == RecoveryMode.ABSOLUTE_CONSISTENCY ? Outcome.THROWS : Outcome.CUTS;
        flipEveryHeaderByte(mode, RECORDS, outcome, null);
    }

    private void flipEveryHeaderByte(RecoveryMode mode, long lsn, Outcome outcome, DamageKind kind) throws Exception {
        for (int b = 0; b < FrameDescriptor.HEADER_BYTES; b++) {
            DamageLab lab = freshLab();
            LogSurgery.Frame f = lab.record(lsn);
            LogSurgery.flip(f.segment(), f.offsetBytes() + b);
            // At the tail a torn length word reads as TORN_HEADER, any other byte as a checksum mismatch.
            DamageKind expected = kind != null ? kind : b < 8 ? DamageKind.TORN_HEADER : DamageKind.TORN_PAYLOAD;
            Expect expect = new Expect(lsn, lsn, 1, f.offsetBytes());
            try {
                RecoveryAssertions.assertOutcome(lab, mode, outcome, expect, expected, false);
            } catch (AssertionError e) {
                throw new AssertionError("header byte " + b + " of record " + lsn + " flipped, " + mode + ": " + e.getMessage(), e);
            }
        }
    }

    @Test
    void theLastRecordTruncatedAtEveryOffsetIsCutExactlyToThePreviousRecord() throws Exception {
        LogSurgery.Frame last = LogSurgery.records(template.dir()).get(RECORDS - 1);
        for (long at = last.offsetBytes(); at <= last.endOffsetBytes(); at++) {
            DamageLab lab = freshLab();
            LogSurgery.truncate(lab.segment(1), at);
            expectTornTailCut(lab, at, at > last.offsetBytes() && at < last.endOffsetBytes(), "file cut at " + at);
        }
    }

    @Test
    void theLastRecordZeroedFromEveryOffsetIsCutExactlyToThePreviousRecord() throws Exception {
        LogSurgery.Frame last = LogSurgery.records(template.dir()).get(RECORDS - 1);
        for (long at = last.offsetBytes(); at <= last.endOffsetBytes(); at++) {
            DamageLab lab = freshLab();
            Path segment = lab.segment(1);
            boolean changes = !isZero(LogSurgery.readAt(segment, at, (int) (last.endOffsetBytes() - at)));
            LogSurgery.zero(segment, at, last.endOffsetBytes() - at);
            // Zeroing the whole frame leaves what preallocation leaves: the end of the log, not damage.
            expectTornTailCut(lab, at, changes && at > last.offsetBytes(), "zeros from " + at);
        }
    }

    /**
     * TOLERATE_CORRUPTED_TAIL after the last record was cut short: when {@code torn}, the open
     * reports one damaged range at the record and cuts exactly before it (its bytes in
     * quarantine); otherwise the log simply ends before it (or holds it whole). Appending then
     * reuses the slot.
     */
    private static void expectTornTailCut(DamageLab lab, long at, boolean torn, String what) throws Exception {
        LogSurgery.Frame last = lab.record(RECORDS);
        long expectedLast = at >= last.endOffsetBytes() && !torn ? RECORDS : RECORDS - 1;
        Map<String, byte[]> before = LogSurgery.snapshot(lab.dir);
        try (Wal wal = Wal.open(lab.dir, template.options(RecoveryMode.TOLERATE_CORRUPTED_TAIL))) {
            RecoveryReport report = wal.recoveryReport();
            assertEquals(expectedLast, wal.lastLsn(), what + ": " + report.summary());
            assertEquals(torn ? 1 : 0, report.damage().size(), what + ": " + report.summary());
            if (torn) {
                assertEquals(last.offsetBytes(), report.damage().get(0).offsetBytes(), what + ": " + report.summary());
                RecoveryAssertions.assertCutInQuarantine(lab.dir, before, report, 1, last.offsetBytes());
            }
            RecoveryAssertions.assertRecords(wal, template, expectedLast, 0, -1);
            assertEquals(expectedLast + 1, wal.append(template.payload(expectedLast + 1)), what);
        }
        try (Wal wal = Wal.open(lab.dir, template.options(RecoveryMode.ABSOLUTE_CONSISTENCY))) {
            RecoveryAssertions.assertRecords(wal, template, expectedLast + 1, 0, -1);
        }
    }

    /** Ranges of assorted lengths zeroed inside records 10 to 30: mid-log damage, seeded. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(RecoveryMode.class)
    void zeroedRangesMidLog(RecoveryMode mode) throws Exception {
        long seed = Long.getLong("keel.test.seed", System.nanoTime());
        System.out.println("zeroedRangesMidLog(" + mode + ") seed=" + seed + " (rerun with -Dkeel.test.seed=" + seed + ")");
        Random random = new Random(seed);
        int[] lengths = {1, 4, 7, 8, 9, 31, 32, 33, 72, 100, 144, 500};
        for (int length : lengths) {
            DamageLab lab = freshLab();
            long from = lab.record(10).offsetBytes();
            long at = from + random.nextInt((int) (lab.record(30).offsetBytes() - from));
            Expect expect = zeroAndWorkOut(lab, at, length);
            Outcome outcome = expect.lostCount() == 0 ? Outcome.OPENS : switch (mode) {
                case TOLERATE_CORRUPTED_TAIL, ABSOLUTE_CONSISTENCY -> Outcome.THROWS;
                case POINT_IN_TIME -> Outcome.CUTS;
                case SKIP_ANY_CORRUPTED_RECORDS -> Outcome.SKIPS;
            };
            // The scan meets the first destroyed frame at its start: a zero length word there is a zeroed range.
            DamageKind kind = expect.lostCount() > 0 && isZero(LogSurgery.readAt(lab.segment(1),
                lab.record(expect.firstLost()).offsetBytes(), 8)) ? DamageKind.ZEROED_RANGE : DamageKind.BAD_CRC;
            try {
                RecoveryAssertions.assertOutcome(lab, mode, outcome, expect, kind, false);
            } catch (AssertionError e) {
                throw new AssertionError(length + " bytes zeroed at " + at + " (seed " + seed + "), " + mode + ": "
                    + e.getMessage(), e);
            }
        }
    }

    /** Zeroes {@code [at, at + length)} and works out which records that destroyed (those whose bytes changed). */
    private static Expect zeroAndWorkOut(DamageLab lab, long at, int length) throws IOException {
        long firstLost = Long.MAX_VALUE;
        long lastLost = 0;
        Path segment = lab.segment(1);
        for (long lsn = 1; lsn <= RECORDS; lsn++) {
            LogSurgery.Frame f = lab.record(lsn);
            long from = Math.max(at, f.offsetBytes());
            long to = Math.min(at + length, f.endOffsetBytes());
            if (to > from && !isZero(LogSurgery.readAt(segment, from, (int) (to - from)))) {
                firstLost = Math.min(firstLost, lsn);
                lastLost = lsn;
            }
        }
        LogSurgery.zero(segment, at, length);
        if (lastLost == 0) {
            return Expect.nothingLost(RECORDS);
        }
        assertTrue(lastLost < RECORDS, "the range stays mid-log");
        return new Expect(firstLost, lastLost, 1, lab.record(firstLost).offsetBytes());
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
