package dev.keel.tools;

import dev.keel.recovery.SegmentFiles;
import dev.keel.wal.Wal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecoverCommandTest {
    @TempDir
    Path dir;

    @Test
    void aDryRunSaysWhatItWouldCutAndChangesNothing() throws IOException {
        TestLogs.tornTail(dir);
        Map<String, String> before = TestLogs.snapshot(dir);
        String out = Cli.expect(0, "recover", dir.toString(), "--mode", "TOLERATE_CORRUPTED_TAIL", "--dry-run").out();
        assertTrue(out.contains("mode: TOLERATE_CORRUPTED_TAIL (dry run: nothing is changed)"), out);
        assertTrue(out.contains("TORN_PAYLOAD"), out);
        assertTrue(out.contains("would cut: "), out);
        assertTrue(out.contains("would keep: LSN 1..99 (99 records); the next append gets LSN 100"), out);
        assertEquals(before, TestLogs.snapshot(dir));
    }

    @Test
    void aDryRunOfACleanLogKeepsItsCleanMarker() throws IOException {
        TestLogs.clean(dir);
        Map<String, String> before = TestLogs.snapshot(dir);
        String out = Cli.expect(0, "recover", dir.toString(), "--mode", "tolerate-corrupted-tail", "--dry-run").out();
        assertTrue(out.contains("would change: nothing"), out);
        assertEquals(before, TestLogs.snapshot(dir));
    }

    @Test
    void aTornTailIsCutIntoQuarantineAndTheNextOpenIsClean() throws IOException {
        TestLogs.tornTail(dir);
        String out = Cli.expect(0, "recover", dir.toString(), "--mode", "TOLERATE_CORRUPTED_TAIL").out();
        String cutName = SegmentFiles.segmentName(1) + "." + TestLogs.frameOffset(100) + ".cut";
        assertTrue(out.contains("\ncut: "), out);
        assertTrue(out.contains("set aside: quarantine/" + cutName), out);
        assertTrue(out.contains("kept: LSN 1..99 (99 records); the next append gets LSN 100"), out);
        assertTrue(Files.exists(dir.resolve(SegmentFiles.QUARANTINE_DIR).resolve(cutName)), "the cut bytes are kept");
        try (Wal wal = Wal.open(dir, TestLogs.options())) {
            assertTrue(wal.recoveryReport().damage().isEmpty(), wal.recoveryReport().summary());
            assertEquals(0, wal.recoveryReport().bytesCut());
            assertEquals(99, wal.lastLsn());
            assertEquals(100, wal.append(TestLogs.payload(100)));
        }
    }

    @Test
    void corruptionTheModeRefusesExits1AndChangesNothingThenPointInTimeCutsBeforeIt() throws IOException {
        TestLogs.corruptedAt(dir, 50);
        Map<String, String> before = TestLogs.snapshot(dir);
        String out = Cli.expect(1, "recover", dir.toString(), "--mode", "TOLERATE_CORRUPTED_TAIL").out();
        assertTrue(out.contains("TOLERATE_CORRUPTED_TAIL refuses the log (CorruptLogException)"), out);
        assertTrue(out.contains("offset " + TestLogs.frameOffset(50) + " length " + TestLogs.FRAME_BYTES + ": BAD_CRC"), out);
        assertTrue(out.contains("nothing was changed"), out);
        assertEquals(before, TestLogs.snapshot(dir), "refused: nothing changed (keel.lock holds this same pid)");

        String pit = Cli.expect(0, "recover", dir.toString(), "--mode", "point-in-time").out();
        assertTrue(pit.contains("kept: LSN 1..49 (49 records)"), pit);
        try (Wal wal = Wal.open(dir, TestLogs.options())) {
            assertEquals(49, wal.lastLsn(), wal.recoveryReport().summary());
            assertTrue(wal.recoveryReport().damage().isEmpty(), wal.recoveryReport().summary());
        }
    }

    @Test
    void aCleanLogIsLeftAsItIs() throws IOException {
        TestLogs.clean(dir);
        Map<String, String> before = TestLogs.snapshot(dir);
        String out = Cli.expect(0, "recover", dir.toString(), "--mode", "ABSOLUTE_CONSISTENCY").out();
        assertTrue(out.contains("changed: nothing (the log was closed cleanly"), out);
        assertEquals(before, TestLogs.snapshot(dir), "keel.clean kept, so the next open need not scan");
    }

    @Test
    void aLogInUseIsRefusedNamingThePidAndItsWriterKeepsItsLock() throws IOException {
        try (Wal wal = Wal.open(dir, TestLogs.options())) {
            wal.append(TestLogs.payload(1));
            String err = Cli.expect(1, "recover", dir.toString(), "--mode", "POINT_IN_TIME").err();
            assertTrue(err.contains("keel recover: log directory " + dir + " is in use"), err);
            assertTrue(err.contains("pid " + ProcessHandle.current().pid()), err);
            if (Files.isReadable(Path.of("/proc/locks"))) {
                assertTrue(dev.keel.wal.LockHolder.of(dir).isPresent(), "the writer still holds its kernel lock");
            }
            assertEquals(2, wal.append(TestLogs.payload(2)));
        }
    }

    @Test
    void aDirectoryKeelDoesNotOwnIsRefusedBeforeAnyLockFileIsCreated() throws IOException {
        Files.writeString(dir.resolve("notes.txt"), "mine");
        String err = Cli.expect(1, "recover", dir.toString(), "--mode", "POINT_IN_TIME").err();
        assertTrue(err.contains("notes.txt") && err.contains("Keel does not own"), err);
        assertFalse(Files.exists(dir.resolve(SegmentFiles.LOCK_FILE)));
    }

    @Test
    void theModeIsRequired() throws IOException {
        TestLogs.clean(dir);
        String err = Cli.expect(2, "recover", dir.toString()).err();
        assertTrue(err.contains("Missing required option: '--mode=MODE'"), err);
        assertTrue(Cli.expect(2, "recover", dir.resolve("nope").toString(), "--mode", "POINT_IN_TIME").err()
            .contains("does not exist"));
    }
}
