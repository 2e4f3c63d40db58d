package dev.keel.aio;

import dev.keel.aio.internal.LibC;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file opened with open(2), not through java.nio: the descriptor is what every backend hands
 * to the kernel. Failures throw {@link AioException} naming the operation, the path and the
 * errno ({@code open /data/x: EACCES (13)}).
 *
 * <p>Thread safety: all methods may be called from any thread. {@link #close()} is idempotent;
 * closing a file with requests in flight is the caller's error (the kernel would see a dead or
 * reused descriptor), so the log closes files only after their last completion.
 */
public final class NativeFile implements AutoCloseable {
    private static final int CREATE_MODE = 0644;
    private static final int CLOSED = -1;

    private final Path path;
    private final Set<OpenFlag> flags;
    private final AtomicInteger fd;

    private NativeFile(Path path, Set<OpenFlag> flags, int fd) {
        this.path = path;
        this.flags = flags;
        this.fd = new AtomicInteger(fd);
    }

    public static NativeFile open(Path path, OpenFlag... flags) throws AioException {
        EnumSet<OpenFlag> set = EnumSet.noneOf(OpenFlag.class);
        Collections.addAll(set, flags);
        return open(path, set);
    }

    /**
     * Opens {@code path}. At least one of READ and WRITE is required; APPEND, CREATE, DSYNC and
     * SYNC require WRITE. The descriptor is close-on-exec so a child process (the crash test's)
     * never inherits it.
     */
    public static NativeFile open(Path path, Set<OpenFlag> flags) throws AioException {
        if (path == null) {
            throw new IllegalArgumentException("path is null");
        }
        EnumSet<OpenFlag> copy = flags.isEmpty() ? EnumSet.noneOf(OpenFlag.class) : EnumSet.copyOf(flags);
        int fd = LibC.open(path.toString(), toNativeFlags(copy), CREATE_MODE);
        if (fd < 0) {
            throw new AioException("open", path, LibC.errno());
        }
        return new NativeFile(path, Collections.unmodifiableSet(copy), fd);
    }

    static int toNativeFlags(Set<OpenFlag> flags) {
        boolean read = flags.contains(OpenFlag.READ);
        boolean write = flags.contains(OpenFlag.WRITE);
        if (!read && !write) {
            throw new IllegalArgumentException("flags=" + flags + " must contain READ or WRITE");
        }
        for (OpenFlag needsWrite : new OpenFlag[] {OpenFlag.APPEND, OpenFlag.CREATE, OpenFlag.DSYNC, OpenFlag.SYNC}) {
            if (flags.contains(needsWrite) && !write) {
                throw new IllegalArgumentException("flags=" + flags + ": " + needsWrite + " requires WRITE");
            }
        }
        int n = LibC.O_CLOEXEC | (read && write ? LibC.O_RDWR : write ? LibC.O_WRONLY : LibC.O_RDONLY);
        if (flags.contains(OpenFlag.CREATE)) {
            n |= LibC.O_CREAT;
        }
        if (flags.contains(OpenFlag.APPEND)) {
            n |= LibC.O_APPEND;
        }
        if (flags.contains(OpenFlag.DSYNC)) {
            n |= LibC.O_DSYNC;
        }
        if (flags.contains(OpenFlag.SYNC)) {
            n |= LibC.O_SYNC;
        }
        if (flags.contains(OpenFlag.DIRECT)) {
            n |= LibC.O_DIRECT;
        }
        return n;
    }

    /**
     * Makes a directory entry durable: fsync(2) on the directory itself. Needed after creating,
     * renaming or deleting a file, or the entry may vanish in a crash even though the file's
     * data was synced.
     */
    public static void syncDirectory(Path dir) throws AioException {
        int dfd = LibC.open(dir.toString(), LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
        if (dfd < 0) {
            throw new AioException("open", dir, LibC.errno());
        }
        try {
            if (LibC.fsync(dfd) < 0) {
                throw new AioException("fsync", dir, LibC.errno());
            }
        } finally {
            LibC.close(dfd);
        }
    }

    /** The descriptor. Throws IllegalStateException when the file is closed. */
    public int fd() {
        int d = fd.get();
        if (d == CLOSED) {
            throw new IllegalStateException("file " + path + " is closed");
        }
        return d;
    }

    /** The descriptor, or -1 once closed: for backends, where the kernel then answers EBADF. */
    public int rawFd() {
        return fd.get();
    }

    public Path path() {
        return path;
    }

    public Set<OpenFlag> flags() {
        return flags;
    }

    public boolean isOpen() {
        return fd.get() != CLOSED;
    }

    /** The file's size in bytes (fstat st_size). */
    public long size() throws AioException {
        return stat("fstat").getLong(LibC.STAT_SIZE_OFFSET);
    }

    /** The preferred I/O block size (fstat st_blksize): the alignment DIRECT transfers use. */
    public int blockSize() throws AioException {
        return (int) stat("fstat").getLong(LibC.STAT_BLKSIZE_OFFSET);
    }

    private ByteBuffer stat(String op) throws AioException {
        ByteBuffer buf = ByteBuffer.allocateDirect(LibC.STAT_BYTES).order(ByteOrder.nativeOrder());
        if (LibC.fstat(fd(), AddressOf.buffer(buf)) < 0) {
            throw new AioException(op, path, LibC.errno());
        }
        return buf;
    }

    /**
     * Reserves blocks for {@code [offsetBytes, offsetBytes + lengthBytes)} with fallocate(2)
     * mode 0, growing the file if needed. ENOSPC is reported here, before any record depends on
     * the space. EOPNOTSUPP where the file system cannot.
     */
    public void allocate(long offsetBytes, long lengthBytes) throws AioException {
        if (offsetBytes < 0 || lengthBytes <= 0) {
            throw new IllegalArgumentException("allocate offsetBytes=" + offsetBytes + " lengthBytes=" + lengthBytes
                + ": offset must be >= 0 and length > 0");
        }
        int r;
        do {
            r = LibC.fallocate(fd(), 0, offsetBytes, lengthBytes);
        } while (r < 0 && LibC.errno() == Errno.EINTR.value());
        if (r < 0) {
            throw new AioException("fallocate", path, LibC.errno());
        }
    }

    /** Sets the file's size with ftruncate(2). */
    public void truncate(long lengthBytes) throws AioException {
        if (lengthBytes < 0) {
            throw new IllegalArgumentException("truncate lengthBytes=" + lengthBytes + " must be >= 0");
        }
        int r;
        do {
            r = LibC.ftruncate(fd(), lengthBytes);
        } while (r < 0 && LibC.errno() == Errno.EINTR.value());
        if (r < 0) {
            throw new AioException("ftruncate", path, LibC.errno());
        }
    }

    /**
     * Closes the descriptor once; later calls do nothing. An error from close(2) is reported
     * (on NFS it can carry a write error) but the descriptor is gone either way.
     */
    @Override
    public void close() throws AioException {
        int d = fd.getAndSet(CLOSED);
        if (d != CLOSED && LibC.close(d) < 0) {
            throw new AioException("close", path, LibC.errno());
        }
    }

    @Override
    public String toString() {
        return "NativeFile[" + path + ", fd=" + fd.get() + ", " + flags + "]";
    }
}
