package dev.keel.wal.recovery;

import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.RecoveredLog;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.wal.Wal;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Wal.repair}: the library's entry point for repairing a log without opening a writer. */
class WalRepairTest {
    static final int RECORDS = 40;

    @TempDir
    static Path templates;
    static TemplateLog template;

    @TempDir
    Path work;

    @BeforeAll
    static void writeTemplate() throws IOException {
        template = TemplateLog.write(templates.resolve("log"), 64 << 10, RECORDS, 40, 5_000_000, "threads");
    }

    private DamageLab tornTail() throws IOException {
        DamageLab lab = new DamageLab(template, work.resolve("log"));
        LogSurgery.Frame last = lab.record(RECORDS);
        LogSurgery.zero(last.segment(), last.offsetBytes() + FrameDescriptor.HEADER_BYTES + 20, 20);
        return lab;
    }

    @Test
    void aDryRunSaysWhatItWouldCutAndChangesNothing() throws Exception {
        DamageLab lab = tornTail();
        Map<String, byte[]> before = LogSurgery.snapshot(lab.dir);
        RecoveredLog log = Wal.repair(lab.dir, RecoveryMode.TOLERATE_CORRUPTED_TAIL, true);
        assertEquals(RECORDS - 1, log.report().lastLsn(), log.report().summary());
        assertTrue(log.report().bytesCut() > 0, log.report().summary());
        RecoveryAssertions.assertSameFiles(before, LogSurgery.snapshot(lab.dir), "a dry run changes nothing");
    }

    @Test
    void repairCutsTheTailIntoQuarantineAndTheNextOpenFindsNothingToDo() throws Exception {
        DamageLab lab = tornTail();
        RecoveredLog log = Wal.repair(lab.dir, RecoveryMode.TOLERATE_CORRUPTED_TAIL, false);
        assertEquals(1, log.report().quarantined().size(), log.report().summary());
        assertTrue(Files.exists(log.report().quarantined().get(0)));
        try (Wal wal = Wal.open(lab.dir, template.options(RecoveryMode.ABSOLUTE_CONSISTENCY))) {
            assertEquals(RECORDS - 1, wal.lastLsn(), wal.recoveryReport().summary());
            assertTrue(wal.recoveryReport().damage().isEmpty(), wal.recoveryReport().summary());
        }
    }

    @Test
    void aModeThatForbidsTheDamageRefusesAndALogInUseIsRefusedNamingThePid() throws Exception {
        DamageLab lab = tornTail();
        Map<String, byte[]> before = LogSurgery.snapshot(lab.dir);
        assertThrows(CorruptLogException.class, () -> Wal.repair(lab.dir, RecoveryMode.ABSOLUTE_CONSISTENCY, false));
        assertEquals(before.keySet(), LogSurgery.snapshot(lab.dir).keySet(), "refused: no file added or removed");
        try (Wal wal = Wal.open(lab.dir, template.options(RecoveryMode.TOLERATE_CORRUPTED_TAIL))) {
            IOException e = assertThrows(IOException.class, () -> Wal.repair(lab.dir, RecoveryMode.POINT_IN_TIME, false));
            assertTrue(e.getMessage().contains("in use") && e.getMessage().contains("pid " + ProcessHandle.current().pid()),
                e.getMessage());
            assertEquals(RECORDS, wal.append(template.payload(RECORDS)), "the writer keeps its lock");
        }
        assertTrue(Files.exists(lab.dir.resolve(SegmentFiles.LOCK_FILE)));
    }
}
