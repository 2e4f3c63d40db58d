package dev.keel.bench.jmh;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchDirTest {
    @Test
    void eachTrialGetsAFreshEmptyDirectoryUnderTheParent(@TempDir Path parent) throws Exception {
        Path a = BenchDir.create(parent);
        Path b = BenchDir.create(parent);
        assertNotEquals(a, b);
        for (Path dir : new Path[] {a, b}) {
            assertEquals(parent, dir.getParent());
            assertTrue(Files.isDirectory(dir));
            try (var files = Files.list(dir)) {
                assertEquals(0, files.count());
            }
        }
    }

    @Test
    void deleteRemovesTheDirectoryWithEverythingInItAndNothingBeside(@TempDir Path parent) throws Exception {
        Path dir = BenchDir.create(parent);
        Files.write(dir.resolve("wal-1.seg"), new byte[4096]);
        Files.createDirectories(dir.resolve("quarantine"));
        Files.write(dir.resolve("quarantine").resolve("wal-2.seg"), new byte[1]);
        Path beside = Files.writeString(parent.resolve("beside.txt"), "kept");
        BenchDir.delete(dir);
        assertFalse(Files.exists(dir));
        assertTrue(Files.exists(beside));
    }
}
