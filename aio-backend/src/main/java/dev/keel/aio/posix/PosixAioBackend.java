package dev.keel.aio.posix;

import dev.keel.aio.AioBackend;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioOptions;
import dev.keel.aio.Errno;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import dev.keel.aio.internal.LibC;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.keel.aio.posix.AiocbDescriptor.AIOCB_BYTES;
import static dev.keel.aio.posix.AiocbDescriptor.BUF_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.EINPROGRESS;
import static dev.keel.aio.posix.AiocbDescriptor.FILDES_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.NBYTES_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.SIGEV_NONE;
import static dev.keel.aio.posix.AiocbDescriptor.SIGEV_NOTIFY_OFFSET;
import static dev.keel.aio.posix.AiocbDescriptor.TIMESPEC_NSEC_OFFSET;

/**
 * glibc's POSIX AIO: a user-space thread pool behind {@code aio_read}, {@code aio_write},
 * {@code lio_listio} and {@code aio_fsync}. It runs wherever glibc does, keeps append order and
 * the sync barrier by itself (one queue per descriptor), and gives one request in flight per
 * descriptor. See {@link PosixAioContext} for the design.
 */
public final class PosixAioBackend implements AioBackend {
    public static final String NAME = "posix";

    private static final long PROBE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long PROBE_SLICE_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long PROBE_PATTERN = 0x4B45454C_50524F42L;
    private static final int PROBE_BYTES = 8;
    private static final Object PROBE_LOCK = new Object();
    private static boolean probed;
    private static String unavailableReason;
    /** A probe that timed out leaves its aiocb with glibc: it must never be freed. */
    private static ByteBuffer abandonedProbeMemory;

    private final QueueCalls queueCalls;

    public PosixAioBackend() {
        this(QueueCalls.GLIBC);
    }

    /** With other queueing calls: tests refuse requests at the glibc boundary. */
    PosixAioBackend(QueueCalls queueCalls) {
        this.queueCalls = queueCalls;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Binds the functions and runs one aio_read of a temporary file, once per process; null
     * when that worked, else one line naming the call that failed and its errno.
     */
    @Override
    public String unavailableReason() {
        synchronized (PROBE_LOCK) {
            if (!probed) {
                unavailableReason = probe();
                probed = true;
            }
            return unavailableReason;
        }
    }

    @Override
    public AioContext open(AioOptions options) throws AioException {
        String reason = unavailableReason();
        if (reason != null) {
            throw new AioException("posix AIO", null, Errno.ENOSYS.value(), reason);
        }
        return new PosixAioContext(options, queueCalls);
    }

    private static String probe() {
        Throwable loadFailure;
        try {
            loadFailure = GlibcAio.loadFailure();
        } catch (LinkageError e) {
            loadFailure = e;
        }
        if (loadFailure != null) {
            return "dlsym aio_read/lio_listio/aio_suspend: not bound from libc.so.6 or librt (" + firstLine(loadFailure) + ")";
        }
        Path path = null;
        try {
            path = Files.createTempFile("keel-posix-probe", ".bin");
            try (NativeFile file = NativeFile.open(path, OpenFlag.READ, OpenFlag.WRITE)) {
                return probeRead(file);
            }
        } catch (AioException e) {
            return e.getMessage();
        } catch (IOException e) {
            return "creating a probe file in " + System.getProperty("java.io.tmpdir") + ": " + firstLine(e);
        } finally {
            deleteQuietly(path);
        }
    }

    /** Writes 8 known bytes with pwrite, reads them back with aio_read and aio_suspend. */
    private static String probeRead(NativeFile file) {
        int listOffset = AIOCB_BYTES;
        int timespecOffset = listOffset + 8;
        int dataOffset = timespecOffset + AiocbDescriptor.TIMESPEC_BYTES;
        ByteBuffer memory = BufferUtil.allocateDirectAligned(dataOffset + 2 * PROBE_BYTES, 64);
        UnsafeBuffer m = new UnsafeBuffer(memory);
        m.setMemory(0, memory.capacity(), (byte) 0);
        long base = m.addressOffset();
        m.putLong(dataOffset, PROBE_PATTERN);
        if (LibC.pwrite(file.fd(), base + dataOffset, PROBE_BYTES, 0) != PROBE_BYTES) {
            return "pwrite " + file.path() + ": " + Errno.format(LibC.errno());
        }
        m.putInt(FILDES_OFFSET, file.fd());
        m.putLong(BUF_OFFSET, base + dataOffset + PROBE_BYTES);
        m.putLong(NBYTES_OFFSET, PROBE_BYTES);
        m.putInt(SIGEV_NOTIFY_OFFSET, SIGEV_NONE);
        if (GlibcAio.aio_read(base) != 0) {
            return "aio_read: " + Errno.format(GlibcAio.errno());
        }
        m.putLong(listOffset, base);
        m.putLong(timespecOffset + TIMESPEC_NSEC_OFFSET, PROBE_SLICE_NS);
        long deadlineNs = System.nanoTime() + PROBE_TIMEOUT_NS;
        int error;
        while ((error = GlibcAio.aio_error(base)) == EINPROGRESS) {
            if (System.nanoTime() > deadlineNs) {
                GlibcAio.aio_cancel(file.fd(), base);
                abandonedProbeMemory = memory;
                return "aio_suspend: no completion of a one-block aio_read within 10 s (glibc AIO threads do not run)";
            }
            if (GlibcAio.aio_suspend(base + listOffset, 1, base + timespecOffset) != 0) {
                int errno = GlibcAio.errno();
                if (errno != Errno.EAGAIN.value() && errno != Errno.EINTR.value()) {
                    GlibcAio.aio_cancel(file.fd(), base);
                    abandonedProbeMemory = memory;
                    return "aio_suspend: " + Errno.format(errno);
                }
            }
        }
        long returned = GlibcAio.aio_return(base);
        if (error != 0) {
            return "aio_read: " + Errno.format(error);
        }
        if (returned != PROBE_BYTES || m.getLong(dataOffset + PROBE_BYTES) != PROBE_PATTERN) {
            return "aio_return: " + returned + " bytes, expected " + PROBE_BYTES + " bytes reading back what pwrite wrote";
        }
        return null;
    }

    private static String firstLine(Throwable t) {
        String message = String.valueOf(t.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static void deleteQuietly(Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // A leftover probe file in the temp directory is harmless.
            }
        }
    }
}
