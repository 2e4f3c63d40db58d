package dev.keel.wal.recovery;

import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.DamageKind;
import dev.keel.recovery.LsnRange;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.RecoveryReport;
import dev.keel.recovery.SegmentFiles;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;
import dev.keel.wal.WalReader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** What the recovery tests check after {@code Wal.open}: one method per outcome of the decision table. */
final class RecoveryAssertions {
    private RecoveryAssertions() {
    }

    /**
     * Opens the damaged log in {@code lab} in {@code mode} and checks the outcome the table gives:
     * see {@link Outcome}. {@code kind} is the damage expected first (null for none); with
     * {@code appendAfter}, appending must then continue across two segment rolls.
     */
    static void assertOutcome(DamageLab lab, RecoveryMode mode, Outcome outcome, Expect expect, DamageKind kind,
                              boolean appendAfter) throws Exception {
        WalOptions options = lab.template.options(mode);
        if (outcome == Outcome.THROWS) {
            assertRefusedUnchanged(lab.dir, options, kind);
            return;
        }
        Map<String, byte[]> before = LogSurgery.snapshot(lab.dir);
        Wal wal = Wal.open(lab.dir, options);
        try {
            RecoveryReport report = wal.recoveryReport();
            if (outcome == Outcome.OPENS) {
                assertTrue(report.damage().isEmpty(), report.summary());
                assertEquals(0, report.bytesCut(), report.summary());
                assertTrue(report.quarantined().isEmpty(), report.summary());
            } else {
                int ranges = outcome == Outcome.SKIPS ? expect.damagedRanges() : 1; // a cut stops at the first
                assertEquals(ranges, report.damage().size(), "each damaged range, reported once: " + report.damage());
                assertEquals(kind, report.damage().get(0).kind(), report.summary());
            }
            if (outcome == Outcome.CUTS) {
                assertEquals(expect.firstLost() - 1, report.lastLsn(), report.summary());
                assertCutInQuarantine(lab.dir, before, report, expect.cutSegment(), expect.cutOffsetBytes());
            }
            if (outcome == Outcome.ENDS_EARLY) {
                assertEquals(expect.firstLost() - 1, report.lastLsn(), report.summary());
                assertTrue(report.quarantined().isEmpty(), "nothing but zeros to set aside: " + report.summary());
            }
            if (outcome == Outcome.SKIPS) {
                long lost = expect.skipKeepsAll() ? 0 : expect.lostCount();
                assertEquals(lost == 0 ? List.of() : List.of(new LsnRange(expect.firstLost(), expect.lastLost())), report.gaps(),
                    report.summary());
                assertEquals(lab.lastLsn() - lost, report.recordsFound(), report.summary());
                assertEquals(0, report.bytesCut(), report.summary());
                assertFalse(Files.exists(lab.dir.resolve(SegmentFiles.QUARANTINE_DIR)), "skipping sets nothing aside");
                assertRecords(wal, lab.template, lab.lastLsn(), lost == 0 ? 0 : expect.firstLost(), lost == 0 ? -1 : expect.lastLost());
            } else {
                assertRecords(wal, lab.template, expect.firstLost() - 1, 0, -1);
            }
            if (appendAfter) {
                assertAppendingContinues(lab.dir, options, wal, lab.template);
            }
        } finally {
            wal.close();
        }
    }

    /**
     * The open throws {@link CorruptLogException} naming {@code kind} first, and leaves every file
     * as it was (no quarantine, no cut, nothing renamed).
     */
    static CorruptLogException assertRefusedUnchanged(Path dir, WalOptions options, DamageKind kind) throws IOException {
        Map<String, byte[]> before = LogSurgery.snapshot(dir);
        CorruptLogException e = assertThrows(CorruptLogException.class, () -> Wal.open(dir, options).close(),
            "recovery mode " + options.recoveryMode() + " must refuse the log");
        if (kind != null) {
            assertTrue(e.damage().stream().anyMatch(d -> d.kind() == kind), "expected " + kind + ": " + e.getMessage());
        }
        assertFalse(e.damage().isEmpty(), "the exception lists the damage");
        assertSameFiles(before, LogSurgery.snapshot(dir), "a refused open changes nothing");
        return e;
    }

    static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual, String why) {
        assertEquals(expected.keySet(), actual.keySet(), why + ": the same files");
        for (Map.Entry<String, byte[]> e : expected.entrySet()) {
            assertTrue(Arrays.equals(e.getValue(), actual.get(e.getKey())), why + ": " + e.getKey() + " has the same bytes");
        }
    }

    /**
     * The log was cut before {@code cutOffsetBytes} of segment {@code cutSegment} (0: the whole
     * segment was set aside): the segments before it are untouched, the cut bytes are in
     * quarantine under the name the report gives and every non-zero byte after the cut is in
     * them, the cut range is zeros in the live segment, and every later segment was moved to
     * quarantine whole.
     */
    static void assertCutInQuarantine(Path dir, Map<String, byte[]> before, RecoveryReport report, long cutSegment,
                                      long cutOffsetBytes) throws IOException {
        assertFalse(report.quarantined().isEmpty(), "something was set aside: " + report.summary());
        Path quarantine = dir.resolve(SegmentFiles.QUARANTINE_DIR);
        List<Path> expectedAside = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : before.entrySet()) {
            Path original = dir.resolve(e.getKey());
            long index = SegmentFiles.indexOf(original);
            if (index < 0 || !original.getParent().equals(dir)) {
                continue;
            }
            byte[] was = e.getValue();
            if (index < cutSegment) {
                assertArrayEquals(was, Files.readAllBytes(original), "segment " + index + " before the cut is untouched");
            } else if (index == cutSegment && cutOffsetBytes > 0) {
                Path cut = quarantine.resolve(original.getFileName() + "." + cutOffsetBytes + ".cut");
                expectedAside.add(cut);
                assertTrue(Files.exists(cut), "the cut tail is kept as " + cut + "; quarantined: " + report.quarantined());
                byte[] kept = Files.readAllBytes(cut);
                assertTrue(report.bytesCut() >= kept.length, "the report counts the cut bytes: " + report.summary());
                byte[] now = Files.readAllBytes(original);
                assertArrayEquals(Arrays.copyOfRange(was, (int) cutOffsetBytes, (int) cutOffsetBytes + kept.length), kept,
                    "the quarantined bytes are the cut bytes");
                assertAllZero(was, (int) cutOffsetBytes + kept.length, was.length, "nothing non-zero after the cut is lost");
                assertArrayEquals(Arrays.copyOf(was, (int) cutOffsetBytes), Arrays.copyOf(now, (int) cutOffsetBytes),
                    "segment " + index + " before the cut offset is untouched");
                assertAllZero(now, (int) cutOffsetBytes, now.length, "the cut range is zeroed in place");
            } else {
                Path aside = quarantine.resolve(original.getFileName());
                expectedAside.add(aside);
                // The preparer may already have made a fresh, blank file of the same name for appending.
                assertTrue(!Files.exists(original) || isBlankSpare(original), "segment " + index
                    + " after the cut is no longer live");
                assertArrayEquals(was, Files.readAllBytes(aside), "segment " + index + " is set aside whole, unchanged");
            }
        }
        assertEquals(expectedAside.stream().sorted().toList(), report.quarantined().stream().sorted().toList(),
            "the report names every file set aside");
    }

    private static boolean isBlankSpare(Path segment) throws IOException {
        for (byte b : Files.readAllBytes(segment)) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static void assertAllZero(byte[] b, int from, int to, String why) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                fail(why + ": byte " + i + " is " + b[i]);
            }
        }
    }

    /**
     * Reads the whole log and checks it holds exactly the template's records 1 to {@code lastLsn}
     * but those of {@code lost} (each a payload identical to the one written).
     */
    static void assertRecords(Wal wal, TemplateLog t, long lastLsn, long firstLost, long lastLost) throws IOException {
        assertEquals(lastLsn, wal.lastLsn(), wal.recoveryReport().summary());
        if (lastLsn == 0) {
            return;
        }
        try (WalReader r = wal.reader(Math.max(1, wal.firstLsn()))) {
            for (long lsn = 1; lsn <= lastLsn; lsn++) {
                if (lsn >= firstLost && lsn <= lastLost) {
                    continue;
                }
                assertTrue(r.next(), "record " + lsn + " is readable; " + wal.recoveryReport().summary());
                assertEquals(lsn, r.lsn(), "records come in LSN order, the lost ones skipped");
                assertArrayEquals(t.payload(lsn), SelfCheckingPayload.bytes(r.payload()), "payload of " + lsn);
            }
            assertFalse(r.next(), "nothing after LSN " + lastLsn);
        }
    }

    /**
     * Appends enough records to roll over two segments, closes, reopens, and checks the log
     * continued densely from where recovery left it.
     */
    static void assertAppendingContinues(Path dir, WalOptions options, Wal wal, TemplateLog t) throws Exception {
        long last = wal.lastLsn();
        int count = (int) (2 * t.segmentBytes() / t.payloadBytes()) + 4;
        List<CompletableFuture<Long>> acks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            acks.add(wal.appendAsync(ByteBuffer.wrap(SelfCheckingPayload.create(-1 - i, t.payloadBytes()))));
        }
        for (int i = 0; i < count; i++) {
            assertEquals(last + 1 + i, acks.get(i).get(30, TimeUnit.SECONDS), "appends continue densely");
        }
        wal.close();
        try (Wal reopened = Wal.open(dir, options)) {
            assertEquals(last + count, reopened.lastLsn(), reopened.recoveryReport().summary());
            try (WalReader r = reopened.reader(last + 1)) {
                for (int i = 0; i < count; i++) {
                    assertTrue(r.next());
                    assertEquals(last + 1 + i, r.lsn());
                    assertNull(SelfCheckingPayload.problem(r.payload()));
                }
            }
        }
    }
}
