package dev.keel.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One writer per log directory: an exclusive lock on {@code keel.lock} (fcntl, released by the
 * kernel when the process dies, so a crash never leaves the log locked). A second open, from
 * this process or another, fails at once and names the holder's pid.
 *
 * <p>Directories this JVM holds are refused before the lock file is opened again: fcntl locks
 * belong to the process, and closing <em>any</em> descriptor of the file drops them all, so
 * probing with a second channel and closing it would silently release the first holder's lock.
 *
 * <p>Tools that repair a log without opening a writer go through {@link Wal#repair}, which takes
 * this same lock.
 */
final class DirectoryLock implements AutoCloseable {
    private static final Set<Path> HELD_BY_THIS_JVM = ConcurrentHashMap.newKeySet();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dir} for this process.
     *
     * @throws IOException naming the holder's pid when another Wal (or tool) holds it
     */
    static DirectoryLock acquire(Path dir) throws IOException {
        Path key = dir.toRealPath();
        if (!HELD_BY_THIS_JVM.add(key)) {
            throw inUse(dir, " (pid " + ProcessHandle.current().pid() + ", this process)");
        }
        try {
            return lockFile(dir, key);
        } catch (IOException | RuntimeException e) {
            HELD_BY_THIS_JVM.remove(key);
            throw e;
        }
    }

    private static DirectoryLock lockFile(Path dir, Path key) throws IOException {
        Path file = dir.resolve(dev.keel.recovery.SegmentFiles.LOCK_FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close(); // this process holds no lock on the file (see HELD_BY_THIS_JVM), so closing drops none
            throw inUse(dir, LockHolder.of(dir).map(h -> " (" + h + ")").orElse(""));
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        return new DirectoryLock(key, ch, lock);
    }

    private static IOException inUse(Path dir, String holder) {
        return new IOException("log directory " + dir + " is in use by another Wal" + holder + ": one writer per directory");
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            try {
                channel.close();
            } finally {
                HELD_BY_THIS_JVM.remove(key);
            }
        }
    }
}
