package dev.keel.tools;

import dev.keel.recovery.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatCommandTest {
    @TempDir
    Path dir;

    @Test
    void aCleanLogIsDescribedFromItsHeadersAndLeftAsItIs() throws IOException {
        TestLogs.clean(dir);
        Map<String, String> before = TestLogs.snapshot(dir);
        String out = Cli.expect(0, "stat", dir.toString()).out();
        assertTrue(out.contains("lock: free"), out);
        assertTrue(out.contains("last close: clean (keel.clean valid: last LSN 100"), out);
        assertTrue(out.contains("segment 1: wal-00000000000000000001.seg, 1048576 bytes (1.00 MiB)"), out);
        assertTrue(out.contains("  header: format 1, log "), out);
        assertTrue(out.contains(", segment 1, first LSN 1, segment bytes 1048576, created 20"), out);
        assertTrue(out.contains("  records: LSN 1..100, frames end at offset "), out);
        assertTrue(out.contains("LSN range: 1..100 (100 records)"), out);
        assertTrue(out.contains("damage: not scanned (clean close"), out);
        assertTrue(out.contains("quarantine: empty"), out);
        assertEquals(before, TestLogs.snapshot(dir));
    }

    @Test
    void aCrashedLogIsScannedForItsRange() throws IOException {
        TestLogs.crashed(dir);
        String out = Cli.expect(0, "stat", dir.toString()).out();
        assertTrue(out.contains("last close: not clean (no keel.clean"), out);
        assertTrue(out.contains("LSN range: 1..100 (100 records)"), out);
        assertTrue(out.contains("damage: none found"), out);
    }

    @Test
    void quarantineContentsAndAnInvalidCleanMarkerAreShown() throws IOException {
        TestLogs.tornTail(dir);
        Cli.expect(0, "recover", dir.toString(), "--mode", "TOLERATE_CORRUPTED_TAIL");
        Files.write(dir.resolve(SegmentFiles.CLEAN_FILE), new byte[] {1, 2, 3});
        String out = Cli.expect(0, "stat", dir.toString()).out();
        assertTrue(out.contains("last close: not clean (keel.clean is present but not valid)"), out);
        assertTrue(out.contains("LSN range: 1..99 (99 records)"), out);
        assertTrue(out.contains("  " + SegmentFiles.segmentName(1) + "." + TestLogs.frameOffset(100) + ".cut, "), out);
    }

    @Test
    void anEmptyDirectoryIsAnEmptyLogAndAMissingOneAUsageError() {
        String out = Cli.expect(0, "stat", dir.toString()).out();
        assertTrue(out.contains("segments: 0, 0 bytes (0.00 MiB)"), out);
        assertTrue(out.contains("LSN range: none (empty log)"), out);
        assertTrue(Cli.expect(2, "stat", dir.resolve("nope").toString()).err().contains("does not exist"));
    }
}
