package dev.keel.wal;

import dev.keel.recovery.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The directory lock as the kernel sees it (Linux {@code /proc/locks}): a refused second open
 * in the same process must not release the first holder's fcntl lock, which closing any
 * descriptor of the lock file would do.
 */
class DirectoryLockTest {
    private static final Path PROC_LOCKS = Path.of("/proc/locks");

    @TempDir
    Path dir;

    @Test
    void aRefusedSecondOpenInThisProcessKeepsTheKernelLockAndNamesThePid() throws IOException {
        assumeTrue(Files.isReadable(PROC_LOCKS), "needs /proc/locks");
        try (DirectoryLock first = DirectoryLock.acquire(dir)) {
            assertTrue(kernelLockHeld(), "the first acquire holds an fcntl lock");
            IOException refused = assertThrows(IOException.class, () -> DirectoryLock.acquire(dir));
            assertTrue(refused.getMessage().contains("pid " + ProcessHandle.current().pid()), refused.getMessage());
            assertTrue(kernelLockHeld(), "still held after the refused second acquire");
        }
        try (DirectoryLock again = DirectoryLock.acquire(dir)) {
            assertTrue(kernelLockHeld(), "released on close, so it can be taken again");
        }
    }

    private boolean kernelLockHeld() throws IOException {
        long inode = (Long) Files.getAttribute(dir.resolve(SegmentFiles.LOCK_FILE), "unix:ino");
        String pid = " " + ProcessHandle.current().pid() + " ";
        return Files.readAllLines(PROC_LOCKS).stream()
            .anyMatch(line -> line.contains("POSIX") && line.contains(pid) && line.contains(":" + inode + " "));
    }
}
