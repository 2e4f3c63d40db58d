package dev.keel.wal.recovery;

import dev.keel.recovery.CleanShutdown;
import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.DamageKind;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import dev.keel.wal.WalOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.keel.recovery.DamageKind.BAD_CRC;
import static dev.keel.recovery.DamageKind.BAD_SEGMENT_HEADER;
import static dev.keel.recovery.DamageKind.FOREIGN_FRAME;
import static dev.keel.recovery.DamageKind.LSN_GAP;
import static dev.keel.recovery.DamageKind.MISSING_SEGMENT;
import static dev.keel.recovery.DamageKind.STALE_FRAME;
import static dev.keel.recovery.DamageKind.TORN_HEADER;
import static dev.keel.recovery.DamageKind.TORN_PAYLOAD;
import static dev.keel.recovery.DamageKind.UNKNOWN_FORMAT_VERSION;
import static dev.keel.recovery.DamageKind.UNKNOWN_RECORD_TYPE;
import static dev.keel.recovery.DamageKind.ZEROED_RANGE;
import static dev.keel.wal.recovery.Outcome.CUTS;
import static dev.keel.wal.recovery.Outcome.ENDS_EARLY;
import static dev.keel.wal.recovery.Outcome.OPENS;
import static dev.keel.wal.recovery.Outcome.SKIPS;
import static dev.keel.wal.recovery.Outcome.THROWS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link dev.keel.recovery.DamageTable}, proven end to end: every row of its javadoc as damage
 * done to a crashed log on disk, opened with {@code Wal.open} in each of the four recovery
 * modes. The expected outcome of each (case, mode) is the table below, written out again here
 * so that a change to the code's table must also change this one.
 *
 * <p>The template log: 200 records of 1000 bytes in 64 KiB segments (59 records a segment, so
 * segments 1 to 4 hold data), appended one by one with blocking appends (each frame proves the
 * one before it durable), then crashed (no clean marker, no COMMIT frame). Mid-log damage is at
 * record 30, in segment 1.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DecisionTableTest {
    static final int RECORDS = 200;
    static final int PAYLOAD_BYTES = 1000;
    static final long MID = 30;

    interface Damager {
        Expect apply(DamageLab lab, TemplateLog foreign) throws IOException;
    }

    enum Case {
        //  case                              row   kind reported first   TOLERATE_ ABSOLUTE_ POINT_IN_ SKIP_ANY_
        //                                                                CORRUPTED CONSIST-  TIME      CORRUPTED
        //                                                                _TAIL     ENCY                _RECORDS
        NO_DAMAGE(                            "T1", null,                 OPENS,    OPENS,    OPENS,    OPENS,
            (lab, foreign) -> Expect.nothingLost(lab.lastLsn())),
        LAST_RECORD_ZEROED(                   "T1", null,                 OPENS,    OPENS,    OPENS,    OPENS,
            DecisionTableTest::zeroLastRecord),
        TORN_HEADER_AT_TAIL(                  "T2", TORN_HEADER,          CUTS,     THROWS,   CUTS,     CUTS,
            DecisionTableTest::tearLastHeader),
        TORN_PAYLOAD_AT_TAIL(                 "T2", TORN_PAYLOAD,         CUTS,     THROWS,   CUTS,     CUTS,
            DecisionTableTest::tearLastPayload),
        TORN_BATCH_AT_TAIL(                   "T2", TORN_PAYLOAD,         CUTS,     THROWS,   CUTS,     CUTS,
            DecisionTableTest::tearUnsyncedBatch),
        STALE_FRAME_AT_TAIL(                  "T3", STALE_FRAME,          CUTS,     THROWS,   CUTS,     CUTS,
            DecisionTableTest::staleFrameAfterTheEnd),
        FOREIGN_FRAME_AT_TAIL(                "T3", FOREIGN_FRAME,        CUTS,     THROWS,   CUTS,     CUTS,
            (lab, foreign) -> foreignFrameAt(lab, foreign, lab.lastLsn())),
        TRUNCATED_SEGMENT_HEADER_AT_TAIL(     "T3", BAD_SEGMENT_HEADER,   CUTS,     THROWS,   CUTS,     CUTS,
            (lab, foreign) -> truncateSegmentHeader(lab, lab.lastDataSegment())),
        TORN_PAYLOAD_BELOW_CLEAN_MARKER(      "C1", BAD_CRC,              THROWS,   THROWS,   CUTS,     SKIPS,
            (lab, foreign) -> markedClean(lab, DecisionTableTest::tearLastPayload)),
        TRUNCATED_LAST_RECORD_BELOW_MARKER(   "C1", BAD_CRC,              THROWS,   THROWS,   CUTS,     SKIPS,
            (lab, foreign) -> markedClean(lab, DecisionTableTest::truncateInLastRecord)),
        LAST_RECORD_ZEROED_BELOW_MARKER(      "C2", ZEROED_RANGE,         THROWS,   THROWS,   ENDS_EARLY, SKIPS,
            (lab, foreign) -> markedClean(lab, (l, f) -> zeroLastRecord(l, f))),
        LAST_SEGMENT_GONE_BELOW_MARKER(       "C2", MISSING_SEGMENT,      THROWS,   THROWS,   ENDS_EARLY, SKIPS,
            (lab, foreign) -> markedClean(lab, DecisionTableTest::deleteLastSegment)),
        STALE_FRAME_AFTER_A_CLEAN_MARKER(     "T3", STALE_FRAME,          CUTS,     THROWS,   CUTS,     CUTS,
            (lab, foreign) -> markedClean(lab, DecisionTableTest::staleFrameAfterTheEnd)),
        BAD_CRC_MID_LOG(                      "M1", BAD_CRC,              THROWS,   THROWS,   CUTS,     SKIPS,
            DecisionTableTest::flipMidPayload),
        ZEROED_RANGE_MID_LOG(                 "M2", ZEROED_RANGE,         THROWS,   THROWS,   CUTS,     SKIPS,
            DecisionTableTest::zeroThreeMidRecords),
        STALE_LSN_MID_LOG(                    "M3", STALE_FRAME,          THROWS,   THROWS,   CUTS,     SKIPS,
            DecisionTableTest::staleLsnMid),
        STALE_SEGMENT_MID_LOG(                "M3", STALE_FRAME,          THROWS,   THROWS,   CUTS,     SKIPS,
            DecisionTableTest::frameOfAnotherSegmentMid),
        FOREIGN_FRAME_MID_LOG(                "M3", FOREIGN_FRAME,        THROWS,   THROWS,   CUTS,     SKIPS,
            (lab, foreign) -> foreignFrameAt(lab, foreign, MID)),
        MISSING_MIDDLE_SEGMENT(               "M4", MISSING_SEGMENT,      THROWS,   THROWS,   CUTS,     SKIPS,
            DecisionTableTest::deleteSegmentTwo),
        LSN_JUMP_MID_LOG(                     "M4", LSN_GAP,              THROWS,   THROWS,   CUTS,     SKIPS,
            DecisionTableTest::laterRecordOfTheSegmentMid),
        TRUNCATED_SEGMENT_HEADER_MID_LOG(     "M5", BAD_SEGMENT_HEADER,   THROWS,   THROWS,   CUTS,     SKIPS,
            (lab, foreign) -> truncateSegmentHeader(lab, 2)),
        DAMAGED_HEADER_OF_THE_LAST_SEGMENT(   "M5", BAD_SEGMENT_HEADER,   THROWS,   THROWS,   CUTS,     SKIPS,
            (lab, foreign) -> damageSegmentHeader(lab, lab.lastDataSegment())),
        DAMAGED_HEADER_OF_THE_FIRST_SEGMENT(  "M5", BAD_SEGMENT_HEADER,   THROWS,   THROWS,   CUTS,     SKIPS,
            (lab, foreign) -> damageSegmentHeader(lab, 1)),
        UNKNOWN_RECORD_TYPE_MID_LOG(          "M6", UNKNOWN_RECORD_TYPE,  THROWS,   THROWS,   CUTS,     SKIPS,
            DecisionTableTest::unknownTypeMid),
        NEWER_FORMAT_VERSION(                 "V",  UNKNOWN_FORMAT_VERSION, THROWS,   THROWS,   THROWS,   THROWS,
            DecisionTableTest::newerFormatInSegmentThree),
        NEWER_FORMAT_VERSION_AFTER_DAMAGE(    "V",  UNKNOWN_FORMAT_VERSION, THROWS,   THROWS,   THROWS,   THROWS,
            (lab, foreign) -> {
                flipMidPayload(lab, foreign);
                return newerFormatInSegmentThree(lab, foreign);
            });

        final String row;
        final DamageKind kind;
        final Outcome[] byMode;
        final Damager damager;

        Case(String row, DamageKind kind, Outcome tolerate, Outcome absolute, Outcome pointInTime, Outcome skip,
             Damager damager) {
            this.row = row;
            this.kind = kind;
            this.byMode = new Outcome[] {tolerate, absolute, pointInTime, skip};
            this.damager = damager;
        }

        @Override
        public String toString() {
            return row + " " + name();
        }

        Outcome outcome(RecoveryMode mode) {
            return switch (mode) {
                case TOLERATE_CORRUPTED_TAIL -> byMode[0];
                case ABSOLUTE_CONSISTENCY -> byMode[1];
                case POINT_IN_TIME -> byMode[2];
                case SKIP_ANY_CORRUPTED_RECORDS -> byMode[3];
            };
        }
    }

    @TempDir
    static Path templates;
    static TemplateLog template;
    static TemplateLog foreign;

    @TempDir
    Path work;

    @BeforeAll
    static void writeTemplates() throws IOException {
        template = TemplateLog.write(templates.resolve("log"), 64 << 10, RECORDS, PAYLOAD_BYTES, 1_000_000);
        long logId = LogSurgery.logId(SegmentFiles.segmentPath(template.dir(), 1));
        for (int attempt = 0; ; attempt++) {
            Path dir = templates.resolve("foreign-" + attempt);
            foreign = TemplateLog.write(dir, 64 << 10, RECORDS, PAYLOAD_BYTES, 2_000_000);
            // One log id in a million shares the salt's log bits: such a frame would read as stale, not foreign.
            if (!FrameDescriptor.sameLog(FrameDescriptor.salt(logId, 1),
                FrameDescriptor.salt(LogSurgery.logId(SegmentFiles.segmentPath(dir, 1)), 1))) {
                break;
            }
        }
    }

    static Stream<Arguments> casesAndModes() {
        return Stream.of(Case.values()).flatMap(c -> Stream.of(RecoveryMode.values()).map(m -> Arguments.of(c, m)));
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("casesAndModes")
    void walOpenDoesWhatTheTableSays(Case c, RecoveryMode mode) throws Exception {
        DamageLab lab = new DamageLab(template, work.resolve("log"));
        assertTrue(lab.lastDataSegment() >= 4, "the template spans at least 4 segments");
        Expect expect = c.damager.apply(lab, foreign);
        WalOptions options = template.options(mode);
        Outcome outcome = c.outcome(mode);
        if (outcome == THROWS) {
            CorruptLogException e = RecoveryAssertions.assertRefusedUnchanged(lab.dir, options, c.kind);
            if (c.kind == UNKNOWN_FORMAT_VERSION) {
                assertTrue(e.damage().stream().anyMatch(d -> d.detail().contains("format version 9")), e.damage().toString());
            }
            return;
        }
        RecoveryAssertions.assertOutcome(lab, mode, outcome, expect, c.kind, true);
    }

    // ------------------------------------------------------------------ the damage, one method per case

    private static Expect zeroLastRecord(DamageLab lab, TemplateLog foreign) throws IOException {
        LogSurgery.Frame last = lab.record(lab.lastLsn());
        LogSurgery.zero(last.segment(), last.offsetBytes(), last.frameBytes());
        return new Expect(lab.lastLsn(), lab.lastLsn(), 0, 0);
    }

    /** The first 4 bytes of the last header landed, the rest did not: the length's complement is zero. */
    private static Expect tearLastHeader(DamageLab lab, TemplateLog foreign) throws IOException {
        LogSurgery.Frame last = lab.record(lab.lastLsn());
        LogSurgery.zero(last.segment(), last.offsetBytes() + 4, FrameDescriptor.HEADER_BYTES - 4);
        return cutAtRecord(lab, lab.lastLsn(), lab.lastLsn());
    }

    /** The last record's second half never landed. */
    private static Expect tearLastPayload(DamageLab lab, TemplateLog foreign) throws IOException {
        LogSurgery.Frame last = lab.record(lab.lastLsn());
        LogSurgery.zero(last.segment(), last.offsetBytes() + FrameDescriptor.HEADER_BYTES + PAYLOAD_BYTES / 2,
            PAYLOAD_BYTES / 2);
        return cutAtRecord(lab, lab.lastLsn(), lab.lastLsn());
    }

    /**
     * The evidence rule: the last three records were one unsynced batch (spans 1, 2, 3: none was
     * durable when the others were written). The first is torn, the two after it are intact, yet
     * nothing proves the torn one was ever acknowledged: it is a torn tail, and all three go.
     */
    private static Expect tearUnsyncedBatch(DamageLab lab, TemplateLog foreign) throws IOException {
        long n = lab.lastLsn();
        LogSurgery.rewriteFrame(lab.record(n - 1), FrameDescriptor.TYPE_RECORD, 2);
        LogSurgery.rewriteFrame(lab.record(n), FrameDescriptor.TYPE_RECORD, 3);
        LogSurgery.Frame torn = lab.record(n - 2);
        LogSurgery.flip(torn.segment(), torn.offsetBytes() + FrameDescriptor.HEADER_BYTES + 7);
        return cutAtRecord(lab, n - 2, n);
    }

    /** A valid frame of this log left after the end by an earlier use of the file: nothing is lost, it is cut. */
    private static Expect staleFrameAfterTheEnd(DamageLab lab, TemplateLog foreign) throws IOException {
        LogSurgery.Frame last = lab.record(lab.lastLsn());
        LogSurgery.transplant(lab.record(lab.lastLsn() - 10), last.segment(), last.endOffsetBytes());
        return new Expect(lab.lastLsn() + 1, lab.lastLsn(), SegmentFiles.indexOf(last.segment()), last.endOffsetBytes());
    }

    private static Expect foreignFrameAt(DamageLab lab, TemplateLog foreign, long lsn) throws IOException {
        LogSurgery.Frame victim = lab.record(lsn);
        LogSurgery.Frame theirs = LogSurgery.records(foreign.dir()).get((int) lsn - 1);
        assertEquals(victim.frameBytes(), theirs.frameBytes());
        LogSurgery.transplant(theirs, victim.segment(), victim.offsetBytes());
        return cutAtRecord(lab, lsn, lsn);
    }

    /** A segment file cut to 100 bytes: its header is incomplete. */
    private static Expect truncateSegmentHeader(DamageLab lab, long index) throws IOException {
        LogSurgery.truncate(lab.segment(index), 100);
        return new Expect(lab.firstLsnIn(index), index == lab.lastDataSegment() ? lab.lastLsn() : lab.lastLsnIn(index),
            index, 0);
    }

    /**
     * A flipped magic byte: the header fails, the frames after it are intact. SKIP keeps them
     * all (and must keep the segment live, or a later roll would take its index and write over
     * it); a cut ends the log before the segment.
     */
    private static Expect damageSegmentHeader(DamageLab lab, long index) throws IOException {
        LogSurgery.flip(lab.segment(index), SegmentHeaderDescriptor.MAGIC_OFFSET);
        return new Expect(lab.firstLsnIn(index), lab.lastLsn(), index, 0, true, 1);
    }

    /**
     * Record 50 of the same segment where record 30 should be: a valid frame whose LSN jumps
     * ahead (records 30 to 49 are lost), then records 31 to 50 in their slots are stale: two
     * damaged ranges.
     */
    private static Expect laterRecordOfTheSegmentMid(DamageLab lab, TemplateLog foreign) throws IOException {
        LogSurgery.Frame f = lab.record(MID);
        LogSurgery.transplant(lab.record(MID + 20), f.segment(), f.offsetBytes());
        return new Expect(MID, MID + 19, 1, f.offsetBytes(), false, 2);
    }

    private static Expect flipMidPayload(DamageLab lab, TemplateLog foreign) throws IOException {
        LogSurgery.Frame f = lab.record(MID);
        LogSurgery.flip(f.segment(), f.offsetBytes() + FrameDescriptor.HEADER_BYTES + 3);
        return cutAtRecord(lab, MID, MID);
    }

    private static Expect zeroThreeMidRecords(DamageLab lab, TemplateLog foreign) throws IOException {
        LogSurgery.Frame f = lab.record(MID);
        LogSurgery.zero(f.segment(), f.offsetBytes(), 3L * f.frameBytes());
        return cutAtRecord(lab, MID, MID + 2);
    }

    /** An older record of the same segment where record 30 should be. */
    private static Expect staleLsnMid(DamageLab lab, TemplateLog foreign) throws IOException {
        LogSurgery.Frame f = lab.record(MID);
        LogSurgery.transplant(lab.record(MID - 10), f.segment(), f.offsetBytes());
        return cutAtRecord(lab, MID, MID);
    }

    /** A valid frame of this log's segment 2 where record 30 of segment 1 should be. */
    private static Expect frameOfAnotherSegmentMid(DamageLab lab, TemplateLog foreign) throws IOException {
        LogSurgery.Frame f = lab.record(MID);
        LogSurgery.transplant(lab.recordsIn(2).get(5), f.segment(), f.offsetBytes());
        return cutAtRecord(lab, MID, MID);
    }

    private static Expect deleteSegmentTwo(DamageLab lab, TemplateLog foreign) throws IOException {
        Expect e = new Expect(lab.firstLsnIn(2), lab.lastLsnIn(2), 3, 0);
        Files.delete(lab.segment(2));
        return e;
    }

    private static Expect unknownTypeMid(DamageLab lab, TemplateLog foreign) throws IOException {
        LogSurgery.Frame f = lab.record(MID);
        LogSurgery.rewriteFrame(f, (short) 0x0042, f.unsyncedSpan());
        return cutAtRecord(lab, MID, MID);
    }

    private static Expect newerFormatInSegmentThree(DamageLab lab, TemplateLog foreign) throws IOException {
        LogSurgery.setFormatVersion(lab.segment(3), 9);
        return new Expect(lab.firstLsnIn(3), lab.lastLsn(), 3, 0);
    }

    /**
     * The log as a clean close leaves it, as far as recovery's evidence goes: a valid keel.clean
     * naming the last record (but no COMMIT frame where it points, so the fast path cannot be
     * taken and the log is scanned), then {@code damage} done to it. Every record up to the
     * marker's LSN was acknowledged: losing one is corruption, never a torn tail.
     */
    private static Expect markedClean(DamageLab lab, Damager damage) throws IOException {
        LogSurgery.Frame last = lab.record(lab.lastLsn());
        CleanShutdown marker = new CleanShutdown(LogSurgery.logId(lab.segment(1)), SegmentFiles.indexOf(last.segment()),
            last.endOffsetBytes() + FrameDescriptor.HEADER_BYTES, lab.lastLsn());
        Files.write(lab.dir.resolve(SegmentFiles.CLEAN_FILE), marker.encode());
        return damage.apply(lab, null);
    }

    /** The last segment's file cut in the middle of the last record (as truncate -s does). */
    private static Expect truncateInLastRecord(DamageLab lab, TemplateLog foreign) throws IOException {
        LogSurgery.Frame last = lab.record(lab.lastLsn());
        LogSurgery.truncate(last.segment(), last.offsetBytes() + last.frameBytes() / 2);
        return cutAtRecord(lab, lab.lastLsn(), lab.lastLsn());
    }

    private static Expect deleteLastSegment(DamageLab lab, TemplateLog foreign) throws IOException {
        long index = lab.lastDataSegment();
        Expect e = new Expect(lab.firstLsnIn(index), lab.lastLsn(), index, 0);
        Files.delete(lab.segment(index));
        return e;
    }

    private static Expect cutAtRecord(DamageLab lab, long firstLost, long lastLost) {
        LogSurgery.Frame f = lab.record(firstLost);
        return new Expect(firstLost, lastLost, SegmentFiles.indexOf(f.segment()), f.offsetBytes());
    }

    static {
        assert SegmentHeaderDescriptor.HEADER_BYTES + 59L * FrameDescriptor.frameBytes(PAYLOAD_BYTES) <= 64 << 10;
    }
}
