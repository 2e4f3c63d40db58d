package dev.keel.aio.internal;

/**
 * The file system calls a user-level backend makes, kernel style: each returns the result, or
 * a negative errno; none throws, none allocates. EINTR is retried inside, so callers never see
 * it. Kept behind an interface so tests can count or fail calls at the native-call boundary.
 */
public interface FileSyscalls {
    long pread(int fd, long address, long length, long offset);

    long pwrite(int fd, long address, long length, long offset);

    /** write(2) at the file's position: at its end for an O_APPEND file. */
    long write(int fd, long address, long length);

    int fdatasync(int fd);

    int fsync(int fd);

    /** The real calls, through {@link LibC}. */
    FileSyscalls LIBC = new LibcFileSyscalls();
}
