package dev.keel.aio.linuxaio;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The libc entry points this backend needs, bound by JNA direct mapping (about 50 ns a call).
 * Pointers are {@code long} addresses into memory the context preallocated, so a call
 * allocates nothing. A failed call returns -1 and its errno is read with {@link #errno()}
 * right after it, on the same thread. Linux x86_64 only: the numbers below are that ABI's.
 */
final class LinuxAioNative {
    static final long SYS_IO_SETUP = 206;
    static final long SYS_IO_DESTROY = 207;
    static final long SYS_IO_GETEVENTS = 208;
    static final long SYS_IO_SUBMIT = 209;
    static final long SYS_IO_CANCEL = 210;
    static final long SYS_MEMFD_CREATE = 319;

    static final int EFD_NONBLOCK = 04000;
    static final int EFD_CLOEXEC = 02000000;
    static final int MFD_CLOEXEC = 1;

    /** struct pollfd: fd s32 @0, events s16 @4, revents s16 @6. */
    static final int POLLFD_FD_OFFSET = 0;
    static final int POLLFD_EVENTS_OFFSET = 4;
    static final int POLLFD_BYTES = 8;
    static final short POLLIN = 1;

    /** struct timespec: tv_sec s64 @0, tv_nsec s64 @8. */
    static final int TIMESPEC_SEC_OFFSET = 0;
    static final int TIMESPEC_NSEC_OFFSET = 8;
    static final int TIMESPEC_BYTES = 16;

    static {
        Native.register(NativeLibrary.getInstance("c"));
    }

    private LinuxAioNative() {
    }

    /**
     * syscall(2) with a fixed six-long signature: direct mapping has no varargs, and on x86_64
     * integer varargs travel exactly like fixed arguments. Returns -1 and sets errno on failure.
     */
    static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    static native int eventfd(int initialValue, int flags);

    static native long read(int fd, long buffer, long lengthBytes);

    static native long write(int fd, long buffer, long lengthBytes);

    /** ppoll(2): a nanosecond timeout (0 address waits forever), no signal mask change. */
    static native int ppoll(long pollfds, long count, long timeoutTimespec, long sigmask);

    static native int close(int fd);

    /** errno of this thread's last failed call. */
    static int errno() {
        return Native.getLastError();
    }
}
