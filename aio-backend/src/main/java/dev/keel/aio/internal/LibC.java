package dev.keel.aio.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * libc bound through JNA direct mapping ({@code Native.register}): about 50 ns a call, against
 * several times that for interface mapping. Pointers are passed as {@code long} addresses so no
 * JNA object is allocated per call. A failed call returns -1 and leaves errno in
 * {@link Native#getLastError()}, which JNA saves per thread right after the call.
 *
 * <p>Not API: backends and {@code NativeFile} use it; callers use {@code dev.keel.aio}.
 * Linux x86_64 only (flag and syscall numbers below are that ABI's).
 */
public final class LibC {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_APPEND = 02000;
    public static final int O_DSYNC = 010000;
    public static final int O_DIRECT = 040000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_CLOEXEC = 02000000;
    /** O_SYNC includes O_DSYNC's bit (__O_SYNC | O_DSYNC). */
    public static final int O_SYNC = 04010000;
    public static final int O_NONBLOCK = 04000;

    /** struct stat on x86_64: 144 bytes; the fields Keel reads. */
    public static final int STAT_BYTES = 144;
    public static final int STAT_SIZE_OFFSET = 48;
    public static final int STAT_BLKSIZE_OFFSET = 56;

    static {
        Native.register(NativeLibrary.getInstance("c"));
    }

    private LibC() {
    }

    public static native int open(String path, int flags, int mode);

    public static native int close(int fd);

    public static native long pread(int fd, long buf, long count, long offset);

    public static native long pwrite(int fd, long buf, long count, long offset);

    public static native long read(int fd, long buf, long count);

    public static native long write(int fd, long buf, long count);

    public static native int fdatasync(int fd);

    public static native int fsync(int fd);

    public static native int fallocate(int fd, int mode, long offset, long length);

    public static native int ftruncate(int fd, long length);

    public static native int fstat(int fd, long statBuf);

    public static native int pipe2(int[] fds, int flags);

    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;
    /** mmap's failure value, (void *) -1. */
    public static final long MAP_FAILED = -1L;

    public static native long mmap(long addr, long length, int prot, int flags, int fd, long offset);

    public static native int munmap(long addr, long length);

    public static native int rename(String from, String to);

    public static native int eventfd(int initval, int flags);

    /**
     * The raw syscall(2) entry with a fixed six-long signature: direct mapping has no varargs,
     * and on x86_64 integer varargs are passed exactly like fixed arguments.
     */
    public static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    /** errno of this thread's last failed native call. */
    public static int errno() {
        return Native.getLastError();
    }
}
