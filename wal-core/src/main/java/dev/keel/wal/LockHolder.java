package dev.keel.wal;

import dev.keel.recovery.SegmentFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Who holds a log directory's lock right now, learned from Linux's {@code /proc/locks} without
 * opening {@code keel.lock}: the read-only tools must not take the lock, and opening and closing
 * the file in a process that holds it would even release it (fcntl locks belong to the process).
 * Answers empty when nobody holds it, and where {@code /proc/locks} does not exist. The one place
 * a holder is found: {@link DirectoryLock} names it when it refuses a second writer, the tools
 * when they read a live log.
 */
public final class LockHolder {
    private static final Path PROC_LOCKS = Path.of("/proc/locks");

    private LockHolder() {
    }

    /** "pid N" for the process holding {@code dir}'s lock, or empty. */
    public static Optional<String> of(Path dir) {
        Path lock = dir.resolve(SegmentFiles.LOCK_FILE);
        try {
            if (!Files.exists(lock) || !Files.isReadable(PROC_LOCKS)) {
                return Optional.empty();
            }
            String id = deviceAndInode(lock);
            for (String line : Files.readAllLines(PROC_LOCKS)) {
                // "3: POSIX  ADVISORY  WRITE 16392 fe:00:2147651 0 EOF"; a waiter has "->" after the number.
                String[] f = line.trim().split("\\s+");
                if (f.length >= 6 && !f[1].equals("->") && f[5].equalsIgnoreCase(id)) {
                    return Optional.of(f[4].equals("-1") ? "an unknown process (open file description lock)" : "pid " + f[4]);
                }
            }
            return Optional.empty();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty(); // not Linux, or not readable: the note is a courtesy, never a failure
        }
    }

    /** The file's "major:minor:inode" as /proc/locks prints it (major and minor in hex). */
    private static String deviceAndInode(Path file) throws IOException {
        long dev = (Long) Files.getAttribute(file, "unix:dev");
        long inode = (Long) Files.getAttribute(file, "unix:ino");
        // glibc's gnu_dev_major / gnu_dev_minor split of st_dev.
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        return String.format("%02x:%02x:%d", major, minor, inode);
    }
}
