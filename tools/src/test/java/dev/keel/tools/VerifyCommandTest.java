package dev.keel.tools;

import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.SegmentFiles;
import dev.keel.wal.Wal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class VerifyCommandTest {
    @TempDir
    Path dir;

    @Test
    void aCleanLogIsCleanAndEveryByteStaysAsItWas() throws IOException {
        TestLogs.clean(dir);
        Map<String, String> before = TestLogs.snapshot(dir);
        String out = Cli.expect(0, "verify", dir.toString()).out();
        assertTrue(out.contains("last close: clean (keel.clean valid: last LSN 100"), out);
        assertTrue(out.contains("mode: TOLERATE_CORRUPTED_TAIL"), out);
        assertTrue(out.contains(" scanned, "), "read every segment despite the clean close: " + out);
        assertTrue(out.contains("records: 100, LSN 1..100"), out);
        assertTrue(out.contains("damage: none"), out);
        assertTrue(out.contains("GB/s"), out);
        assertTrue(out.contains("verdict: CLEAN"), out);
        assertEquals(before, TestLogs.snapshot(dir), "keel.clean and every segment unchanged");
    }

    @Test
    void aLogAtAMountRootWithLostAndFoundAndSparesIsVerifiedNotRefused() throws IOException {
        TestLogs.clean(dir);
        Files.createDirectory(dir.resolve("lost+found"));
        Files.write(dir.resolve(SegmentFiles.spareName(7)), new byte[4096]);
        String verify = Cli.expect(0, "verify", dir.toString()).out();
        assertTrue(verify.contains("verdict: CLEAN"), verify);
        String dump = Cli.expect(0, "dump", dir.toString(), "--limit", "1").out();
        assertTrue(!dump.isEmpty(), "dump reads the log: " + dump);
    }

    @Test
    void aCrashWithoutDamageIsCleanAndAPrepFileIsLeftAlone() throws IOException {
        TestLogs.crashed(dir);
        Files.write(dir.resolve(SegmentFiles.preparingName(9)), new byte[4096]);
        Map<String, String> before = TestLogs.snapshot(dir);
        String out = Cli.expect(0, "verify", dir.toString()).out();
        assertTrue(out.contains("last close: not clean"), out);
        assertTrue(out.contains("damage: none"), out);
        assertEquals(before, TestLogs.snapshot(dir), "the .prep file a real recovery deletes is still there");
    }

    @Test
    void aTornTailIsReportedAsDamageEvenThoughTheModeWouldCutIt() throws IOException {
        TestLogs.tornTail(dir);
        Map<String, String> before = TestLogs.snapshot(dir);
        String out = Cli.expect(1, "verify", dir.toString()).out();
        assertTrue(out.contains("damage: 1 range(s)"), out);
        assertTrue(out.contains("wal-00000000000000000001.seg offset " + TestLogs.frameOffset(100) + " length "), out);
        assertTrue(out.contains("TORN_PAYLOAD (frame checksum mismatch)"), out);
        assertTrue(out.contains("would cut: "), out);
        assertTrue(out.contains("would set aside: quarantine/wal-00000000000000000001.seg." + TestLogs.frameOffset(100)
            + ".cut"), out);
        assertTrue(out.contains("would keep: LSN 1..99 (99 records)"), out);
        assertTrue(out.contains("verdict: DAMAGED"), out);
        assertEquals(before, TestLogs.snapshot(dir), "nothing cut, no quarantine/ created");
    }

    @Test
    void corruptionMidLogIsRefusedByTheDefaultModeAndSkippedBySkipAny() throws IOException {
        TestLogs.corruptedAt(dir, 50);
        Map<String, String> before = TestLogs.snapshot(dir);
        String out = Cli.expect(1, "verify", dir.toString()).out();
        assertTrue(out.contains("offset " + TestLogs.frameOffset(50) + " length " + TestLogs.FRAME_BYTES + ": BAD_CRC"), out);
        assertTrue(out.contains("would refuse: Wal.open in TOLERATE_CORRUPTED_TAIL throws CorruptLogException"), out);
        String skip = Cli.expect(1, "verify", dir.toString(), "--mode", "skip-any-corrupted-records").out();
        assertTrue(skip.contains("mode: SKIP_ANY_CORRUPTED_RECORDS"), skip);
        assertTrue(skip.contains("would skip: LSN 50 (1 record(s) lost to damage)"), skip);
        String pit = Cli.expect(1, "verify", dir.toString(), "--mode", "POINT_IN_TIME").out();
        assertTrue(pit.contains("would keep: LSN 1..49 (49 records)"), pit);
        assertEquals(before, TestLogs.snapshot(dir));
    }

    @Test
    void aLiveLogIsVerifiedAsASnapshotNamingTheWritersPid() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/locks")), "the lock holder is learned from Linux's /proc/locks");
        try (Wal wal = Wal.open(dir, TestLogs.options())) {
            wal.append(TestLogs.payload(1));
            String out = Cli.expect(0, "verify", dir.toString()).out();
            assertTrue(out.contains("lock: held by pid " + ProcessHandle.current().pid()), out);
            assertTrue(out.contains("snapshot"), out);
            assertTrue(dev.keel.wal.LockHolder.of(dir).isPresent(), "verify left the writer's kernel lock in place");
            assertEquals(2, wal.append(TestLogs.payload(2)));
        }
    }

    @Test
    void aBadModeNameIsAUsageErrorListingTheValidModes() throws IOException {
        TestLogs.clean(dir);
        String err = Cli.expect(2, "verify", dir.toString(), "--mode", "nope").err();
        assertTrue(err.contains("unknown recovery mode 'nope'"), err);
        for (RecoveryMode m : RecoveryMode.values()) {
            assertTrue(err.contains(m.name()), err);
        }
        assertTrue(err.contains("Try 'keel verify --help'"), err);
    }

    @Test
    void aMissingDirectoryIsAUsageError() {
        String err = Cli.expect(2, "verify", dir.resolve("nope").toString()).err();
        assertTrue(err.contains("keel verify: DIR " + dir.resolve("nope") + " does not exist"), err);
        assertTrue(Cli.expect(2, "verify").err().contains("Missing required parameter: 'DIR'"));
    }
}
