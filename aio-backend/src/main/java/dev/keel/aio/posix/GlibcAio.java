package dev.keel.aio.posix;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * glibc's POSIX AIO (and the few plain calls the backend's wake-up pipe needs), bound through
 * JNA direct mapping. Every pointer is a {@code long} address, so no JNA object is allocated per
 * call. A failed call returns -1 and leaves errno in {@link #errno()}, which JNA saves per
 * thread right after the call.
 *
 * <p>The AIO functions live in libc.so.6 since glibc 2.34; older systems have them in librt,
 * which is tried when libc lacks a symbol. If neither binds, {@link #loadFailure()} says why
 * and no method may be called.
 *
 * <p>{@code aio_init} is called once, here, before this process's first AIO request: glibc
 * honours it only while its request pool is still unallocated. See {@link #AIO_THREADS}.
 */
final class GlibcAio {
    /**
     * glibc's maximum of worker threads (its default is 20). Every open posix context keeps one
     * worker blocked in read(2) on its wake-up pipe, and glibc runs one request at a time per
     * file descriptor, so the default would let 20 idle contexts stall all I/O. Workers are
     * created on demand and leave after one idle second, so the higher cap costs nothing unused.
     */
    static final int AIO_THREADS = 64;
    /**
     * Request-list entries glibc allocates in its first pool row. Not a limit: the pool grows
     * 32 entries at a time when more requests are queued.
     */
    static final int AIO_NUM = 256;

    private static final Throwable LOAD_FAILURE;
    /** Kept reachable: glibc copies aioinit, but the buffer must outlive the call. */
    private static final ByteBuffer AIOINIT;

    static {
        Throwable failure = null;
        try {
            Native.register(GlibcAio.class, NativeLibrary.getInstance("c"));
        } catch (UnsatisfiedLinkError inLibc) {
            try {
                Native.register(GlibcAio.class, NativeLibrary.getInstance("rt"));
            } catch (UnsatisfiedLinkError inLibrt) {
                inLibrt.addSuppressed(inLibc);
                failure = inLibrt;
            }
        }
        LOAD_FAILURE = failure;
        AIOINIT = BufferUtil.allocateDirectAligned(AiocbDescriptor.AIOINIT_BYTES, 8);
        if (failure == null) {
            UnsafeBuffer init = new UnsafeBuffer(AIOINIT);
            init.setMemory(0, AiocbDescriptor.AIOINIT_BYTES, (byte) 0);
            init.putInt(AiocbDescriptor.AIOINIT_THREADS_OFFSET, AIO_THREADS);
            init.putInt(AiocbDescriptor.AIOINIT_NUM_OFFSET, AIO_NUM);
            // idle_time 0 keeps glibc's default (one second).
            aio_init(init.addressOffset());
        }
    }

    private GlibcAio() {
    }

    /** Null when every function below is bound, else why not (for unavailableReason). */
    static Throwable loadFailure() {
        return LOAD_FAILURE;
    }

    static native int aio_read(long aiocb);

    static native int aio_write(long aiocb);

    /** {@code op} is {@link AiocbDescriptor#O_DSYNC} or {@link AiocbDescriptor#O_SYNC}. */
    static native int aio_fsync(int op, long aiocb);

    /** {@code list} is an array of {@code nent} aiocb pointers; {@code sigevent} may be 0. */
    static native int lio_listio(int mode, long list, int nent, long sigevent);

    /** EINPROGRESS while queued or running, 0 on success, else the errno of the failure. */
    static native int aio_error(long aiocb);

    /** The operation's return value (bytes, or -1): valid once aio_error is not EINPROGRESS. */
    static native long aio_return(long aiocb);

    /** {@code timespec} 0 waits forever. Returns -1 with EAGAIN on timeout, EINTR on a signal. */
    static native int aio_suspend(long list, int nent, long timespec);

    static native int aio_cancel(int fd, long aiocb);

    static native void aio_init(long aioinit);

    static final int F_GETFL = 3;
    static final int F_SETFL = 4;

    static native int pipe2(long fdPair, int flags);

    /** Variadic in C; on x86_64 a long third argument is passed exactly like the int one. */
    static native int fcntl(int fd, int cmd, long arg);

    static native long write(int fd, long buf, long count);

    static native int close(int fd);

    /** errno of this thread's last failed native call. */
    static int errno() {
        return Native.getLastError();
    }
}
