package dev.keel.aio.uring;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The system calls the io_uring backend makes, bound through JNA direct mapping
 * ({@code Native.register}) with every pointer passed as a {@code long} address, so a call
 * allocates nothing. The io_uring calls have no libc wrapper: they go through syscall(2), bound
 * with a fixed six-long signature because direct mapping has no varargs (on x86_64 integer
 * varargs travel exactly like fixed arguments).
 *
 * <p>Each wrapper returns the kernel's answer the kernel way: a non-negative result, or a
 * negative errno read with {@link Native#getLastError()} right after the failed call (JNA saves
 * it per thread). Linux x86_64 only: the syscall numbers are that ABI's. A running context
 * enters and registers through {@link IoUringSyscalls} (a seam for tests); ring setup and
 * mapping call this class directly.
 */
final class IoUringNative {
    static final long SYS_IO_URING_SETUP = 425;
    static final long SYS_IO_URING_ENTER = 426;
    static final long SYS_IO_URING_REGISTER = 427;

    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_SHARED = 0x01;
    static final int MAP_POPULATE = 0x8000;
    static final long MAP_FAILED = -1L;

    /** getrlimit resource: bytes of memory that may be locked (registered buffers count here). */
    static final int RLIMIT_MEMLOCK = 8;
    /** struct rlimit: rlim_cur at 0, rlim_max at 8. */
    static final int RLIMIT_BYTES = 16;
    static final long RLIM_INFINITY = -1L;

    static {
        Native.register(NativeLibrary.getInstance("c"));
    }

    private IoUringNative() {
    }

    private static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    private static native long mmap(long address, long lengthBytes, int prot, int flags, int fd, long offsetBytes);

    private static native int munmap(long address, long lengthBytes);

    private static native int close(int fd);

    private static native int getrlimit(int resource, long rlimitAddress);

    /** io_uring_setup(entries, params): the ring's file descriptor, or -errno. */
    static int setup(int entries, long paramsAddress) {
        long r = syscall(SYS_IO_URING_SETUP, entries, paramsAddress, 0, 0, 0, 0);
        return r < 0 ? -Native.getLastError() : (int) r;
    }

    /**
     * io_uring_enter(fd, toSubmit, minComplete, flags, arg, argBytes): SQEs consumed, or -errno.
     * Not retried here: the caller knows whether EINTR means "submit again" or "return early".
     */
    static int enter(int ringFd, int toSubmit, int minComplete, int flags, long argAddress, long argBytes) {
        long r = syscall(SYS_IO_URING_ENTER, ringFd, toSubmit, minComplete, flags, argAddress, argBytes);
        return r < 0 ? -Native.getLastError() : (int) r;
    }

    /** io_uring_register(fd, opcode, arg, nrArgs): 0 or a positive answer, or -errno. */
    static int register(int ringFd, int opcode, long argAddress, int nrArgs) {
        long r = syscall(SYS_IO_URING_REGISTER, ringFd, opcode, argAddress, nrArgs, 0, 0);
        return r < 0 ? -Native.getLastError() : (int) r;
    }

    /** mmap(NULL, length, READ|WRITE, SHARED|POPULATE, fd, offset): the address, or -errno. */
    static long mapShared(int fd, long lengthBytes, long offsetBytes) {
        long address = mmap(0, lengthBytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offsetBytes);
        return address == MAP_FAILED ? -Native.getLastError() : address;
    }

    /** munmap: 0 or -errno. */
    static int unmap(long address, long lengthBytes) {
        return munmap(address, lengthBytes) < 0 ? -Native.getLastError() : 0;
    }

    /** close(2): 0 or -errno. EINTR is not retried: on Linux the descriptor is gone either way. */
    static int closeFd(int fd) {
        return close(fd) < 0 ? -Native.getLastError() : 0;
    }

    /** getrlimit(resource, buffer): 0 or -errno; the struct rlimit is written at rlimitAddress. */
    static int getLimit(int resource, long rlimitAddress) {
        return getrlimit(resource, rlimitAddress) < 0 ? -Native.getLastError() : 0;
    }
}
