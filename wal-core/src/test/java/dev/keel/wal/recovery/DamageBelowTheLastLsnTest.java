package dev.keel.wal.recovery;

import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.DamageKind;
import dev.keel.recovery.LsnRange;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.RecoveryReport;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;
import dev.keel.wal.WalReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two damaged logs a new user met (issue 10, items 1 and 2), exactly as reported: 600
 * records of 1000 bytes in 256 KiB segments (1032-byte frames: 250 a segment, so segment 2 holds
 * LSN 251 to 500 and segment 3 LSN 501 to 600), closed cleanly, then damaged.
 */
class DamageBelowTheLastLsnTest {
    static final int RECORDS = 600;
    static final int PAYLOAD_BYTES = 1000;
    static final int FRAME_BYTES = FrameDescriptor.frameBytes(PAYLOAD_BYTES);
    static final int SEGMENT_BYTES = 256 << 10;

    @TempDir
    Path dir;

    static WalOptions options(RecoveryMode mode) {
        return WalOptions.defaults().segmentBytes(SEGMENT_BYTES).maxRecordBytes(4096).recoveryMode(mode);
    }

    static byte[] payload(long lsn) {
        byte[] b = new byte[PAYLOAD_BYTES];
        java.util.Arrays.fill(b, (byte) '.');
        byte[] name = ("record " + lsn).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, b, 0, name.length);
        return b;
    }

    /** Writes the log and closes it cleanly. */
    static void writeCleanLog(Path dir) throws IOException {
        try (Wal wal = Wal.open(dir, options(RecoveryMode.TOLERATE_CORRUPTED_TAIL))) {
            for (long lsn = 1; lsn <= RECORDS; lsn++) {
                assertEquals(lsn, wal.append(payload(lsn)));
            }
        }
    }

    /** Where LSN {@code lsn}'s frame starts in its segment (250 frames a segment). */
    static long frameOffset(long lsn) {
        return SegmentHeaderDescriptor.HEADER_BYTES + (lsn - 1) % 250 * (long) FRAME_BYTES;
    }

    /** Item 1: one byte flipped at offset 131072 of segment 2, inside LSN 374's frame. */
    static void flipInSegmentTwo(Path dir) throws IOException {
        LogSurgery.flip(SegmentFiles.segmentPath(dir, 2), 131072);
    }

    @Test
    void aReaderThatMeetsDamageBelowTheLastLsnThrowsNamingSegmentOffsetAndLsn() throws Exception {
        writeCleanLog(dir);
        flipInSegmentTwo(dir);
        assertTrue(frameOffset(374) <= 131072 && 131072 < frameOffset(374) + FRAME_BYTES, "the byte is in LSN 374");
        try (Wal wal = Wal.open(dir, options(RecoveryMode.TOLERATE_CORRUPTED_TAIL))) {
            assertTrue(wal.recoveryReport().cleanShutdown(), "opened without a scan: " + wal.recoveryReport().summary());
            assertEquals(RECORDS, wal.lastLsn());
            try (WalReader r = wal.reader(1)) {
                for (long lsn = 1; lsn <= 373; lsn++) {
                    assertTrue(r.next(), "LSN " + lsn);
                    assertEquals(lsn, r.lsn());
                }
                CorruptLogException e = assertThrows(CorruptLogException.class, r::next, "LSN 374 is damaged, not the end");
                assertNamesTheDamage(e, 374);
                // A tailing consumer: a later append changes nothing, the reader still refuses to pass.
                assertEquals(RECORDS + 1, wal.append(payload(RECORDS + 1)));
                assertNamesTheDamage(assertThrows(CorruptLogException.class, r::next), 374);
            }
            try (WalReader r = wal.reader(380)) {
                CorruptLogException e = assertThrows(CorruptLogException.class, r::next, "reader(380) must not look empty");
                assertNamesTheDamage(e, 380);
            }
        }
    }

    private static void assertNamesTheDamage(CorruptLogException e, long lsn) {
        assertEquals(lsn, e.lsn(), e.getMessage());
        assertEquals(1, e.damage().size(), e.getMessage());
        assertEquals(SegmentFiles.segmentPath(e.damage().get(0).segment().getParent(), 2), e.damage().get(0).segment());
        assertEquals(frameOffset(374), e.damage().get(0).offsetBytes(), e.getMessage());
        assertEquals(DamageKind.BAD_CRC, e.damage().get(0).kind(), e.getMessage());
        assertTrue(e.getMessage().contains("LSN " + lsn) && e.getMessage().contains("offset " + frameOffset(374))
            && e.getMessage().contains(e.damage().get(0).segment().getFileName().toString()), e.getMessage());
    }

    @Test
    void skipAnyCorruptedRecordsStepsOverTheSameDamage() throws Exception {
        writeCleanLog(dir);
        flipInSegmentTwo(dir);
        try (Wal wal = Wal.open(dir, options(RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS));
             WalReader r = wal.reader(1)) {
            for (long lsn = 1; lsn <= RECORDS; lsn++) {
                if (lsn == 374) {
                    continue;
                }
                assertTrue(r.next(), "LSN " + lsn);
                assertEquals(lsn, r.lsn());
            }
            assertFalse(r.next());
        }
    }

    /** Item 2: the last segment cut in the middle of LSN 600 after a clean close. */
    static void truncateInTheLastRecord(Path dir) throws IOException {
        assertTrue(frameOffset(600) < 106764 && 106764 < frameOffset(600) + FRAME_BYTES, "106764 is inside LSN 600");
        LogSurgery.truncate(SegmentFiles.segmentPath(dir, 3), 106764);
    }

    @Test
    void aCleanMarkerMakesTheCutLastRecordCorruptionInTheDefaultMode() throws Exception {
        writeCleanLog(dir);
        truncateInTheLastRecord(dir);
        for (RecoveryMode mode : List.of(RecoveryMode.TOLERATE_CORRUPTED_TAIL, RecoveryMode.ABSOLUTE_CONSISTENCY)) {
            CorruptLogException e = RecoveryAssertions.assertRefusedUnchanged(dir, options(mode), DamageKind.BAD_CRC);
            assertEquals(frameOffset(600), e.damage().get(0).offsetBytes(), e.getMessage());
            assertTrue(e.damage().get(0).detail().contains("frame is cut short"), e.getMessage());
        }
    }

    @Test
    void pointInTimeCutsBeforeItAndSaysItWasAcknowledged() throws Exception {
        writeCleanLog(dir);
        truncateInTheLastRecord(dir);
        try (Wal wal = Wal.open(dir, options(RecoveryMode.POINT_IN_TIME))) {
            RecoveryReport report = wal.recoveryReport();
            assertEquals(RECORDS - 1, wal.lastLsn(), report.summary());
            assertEquals(DamageKind.BAD_CRC, report.damage().get(0).kind(), "corruption, not a torn tail: " + report.summary());
        }
    }

    @Test
    void skipReportsTheLostRecordAndNeverHandsItsLsnOutAgain() throws Exception {
        writeCleanLog(dir);
        truncateInTheLastRecord(dir);
        Map<String, byte[]> before = LogSurgery.snapshot(dir);
        try (Wal wal = Wal.open(dir, options(RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS))) {
            RecoveryReport report = wal.recoveryReport();
            assertEquals(List.of(new LsnRange(RECORDS, RECORDS)), report.gaps(), report.summary());
            assertEquals(RECORDS, wal.lastLsn(), report.summary());
            assertEquals(RECORDS + 1, wal.append(payload(RECORDS + 1)), "LSN 600 was acknowledged once: never again");
            assertFalse(before.isEmpty());
        }
    }
}
