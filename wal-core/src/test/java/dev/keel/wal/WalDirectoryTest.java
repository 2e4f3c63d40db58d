package dev.keel.wal;

import dev.keel.recovery.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code Wal.open} accepts as a log directory, and that a refusal leaves nothing behind. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WalDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void aDirectoryHoldingAnotherProgramsFilesIsRefusedBeforeAnythingIsCreatedInIt() throws IOException {
        Files.writeString(dir.resolve("notes.txt"), "someone else's");
        IOException e = assertThrows(IOException.class, () -> Wal.open(dir));
        assertTrue(e.getMessage().contains("notes.txt") && e.getMessage().contains("does not own"), e.getMessage());
        assertEquals(List.of("notes.txt"), names(dir), "a refusal leaves nothing behind");
    }

    @Test
    void theWorkingDirectoryAsAnEmptyPathIsRefusedWithoutALockFileLeftInIt() throws IOException {
        Path cwd = Path.of("").toAbsolutePath();
        assertTrue(Files.exists(cwd.resolve("pom.xml")), "tests run in the module directory: " + cwd);
        assertFalse(Files.exists(cwd.resolve(SegmentFiles.LOCK_FILE)), "no lock file before the test");
        assertThrows(IOException.class, () -> Wal.open(Path.of("")));
        assertFalse(Files.exists(cwd.resolve(SegmentFiles.LOCK_FILE)), "Wal.open left keel.lock in the working directory");
    }

    @Test
    void aRegularFileGivenAsTheDirectoryIsAnErrorThatSaysSo() throws IOException {
        Path file = Files.writeString(dir.resolve("log"), "a file");
        IOException e = assertThrows(IOException.class, () -> Wal.open(file));
        assertTrue(e.getMessage().contains("is a regular file") && e.getMessage().contains(file.toString()), e.getMessage());
        assertEquals("a file", Files.readString(file));
    }

    @Test
    void aMountRootWithLostAndFoundHoldsALog() throws IOException {
        Files.createDirectory(dir.resolve("lost+found"));
        try (Wal wal = Wal.open(dir, WalBasicsTest.small())) {
            wal.append(new byte[100]);
        }
        try (Wal wal = Wal.open(dir, WalBasicsTest.small())) {
            assertEquals(1, wal.lastLsn());
        }
        assertTrue(Files.isDirectory(dir.resolve("lost+found")), "left alone");
    }

    @Test
    void onlyTheFileSystemsOwnDirectoriesAreIgnoredNotAFileOfTheSameName() throws IOException {
        Files.writeString(dir.resolve("lost+found"), "a file, not the file system's directory");
        IOException e = assertThrows(IOException.class, () -> Wal.open(dir));
        assertTrue(e.getMessage().contains("lost+found"), e.getMessage());
        assertEquals(List.of("lost+found"), names(dir));
    }

    private static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
