package dev.keel.aio.linuxaio;

import dev.keel.aio.Errno;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.keel.aio.linuxaio.AioRingDescriptor.AIO_RING_INCOMPAT_FEATURES;
import static dev.keel.aio.linuxaio.AioRingDescriptor.AIO_RING_MAGIC;
import static dev.keel.aio.linuxaio.AioRingDescriptor.EVENT_RES_OFFSET;
import static dev.keel.aio.linuxaio.AioRingDescriptor.INCOMPAT_FEATURES_OFFSET;
import static dev.keel.aio.linuxaio.AioRingDescriptor.MAGIC_OFFSET;
import static dev.keel.aio.linuxaio.IocbDescriptor.AIO_FILDES_OFFSET;
import static dev.keel.aio.linuxaio.IocbDescriptor.AIO_LIO_OPCODE_OFFSET;
import static dev.keel.aio.linuxaio.IocbDescriptor.IOCB_CMD_FDSYNC;

/**
 * Asks the kernel, once per process, whether this backend can run: what it relies on is tried
 * for real. {@code io_setup} (ENOSYS without CONFIG_AIO, EAGAIN when
 * {@code /proc/sys/fs/aio-max-nr} is used up, EPERM under seccomp), the completion ring's
 * layout (the context reads its head and tail), and an {@code IOCB_CMD_FDSYNC} on a memfd
 * (the sync barrier needs asynchronous fdatasync, Linux 4.18+; a memfd needs no file system).
 */
final class LinuxAioProbe {
    private static final long PROBE_TIMEOUT_SECONDS = 10;
    private static final int CONTEXT_ID_AT = 0;
    private static final int IOCB_AT = 64;
    private static final int POINTER_AT = 128;
    private static final int EVENT_AT = 192;
    private static final int TIMESPEC_AT = 256;
    private static final int NAME_AT = 320;
    private static final int MEMORY_BYTES = 512;

    private LinuxAioProbe() {
    }

    /** Null when the backend runs here, else one line naming the call and the errno. */
    static String unavailableReason() {
        return Cached.REASON;
    }

    private static final class Cached {
        static final String REASON = probe();
    }

    private static String probe() {
        try {
            return probeKernel(AioSyscalls.KERNEL);
        } catch (LinkageError e) {
            return "libc: cannot bind through JNA: " + e;
        } catch (RuntimeException e) {
            return "linux-aio probe failed: " + e;
        }
    }

    private static String probeKernel(AioSyscalls sys) {
        UnsafeBuffer mem = new UnsafeBuffer(BufferUtil.allocateDirectAligned(MEMORY_BYTES, 4096));
        long base = mem.addressOffset();
        long r = sys.ioSetup(1, base + CONTEXT_ID_AT);
        if (r < 0) {
            String detail = setupFailureDetail((int) -r);
            return "io_setup: " + Errno.format((int) r) + (detail == null ? "" : " (" + detail + ")");
        }
        long contextId = mem.getLong(CONTEXT_ID_AT);
        try {
            String ring = ringLayoutProblem(contextId);
            return ring != null ? ring : probeFdsync(sys, contextId, mem);
        } finally {
            sys.ioDestroy(contextId);
        }
    }

    /** Null when the ring at {@code contextId} has the layout {@link AioRingDescriptor} draws. */
    static String ringLayoutProblem(long contextId) {
        UnsafeBuffer ring = new UnsafeBuffer(contextId, AioRingDescriptor.HEADER_BYTES);
        int magic = ring.getInt(MAGIC_OFFSET);
        int incompat = ring.getInt(INCOMPAT_FEATURES_OFFSET);
        if (magic == AIO_RING_MAGIC && incompat == AIO_RING_INCOMPAT_FEATURES) {
            return null;
        }
        return String.format("io_setup: completion ring magic 0x%08x, incompat_features %d: not the layout "
            + "(magic 0x%08x, incompat_features 0) this backend reads", magic, incompat, AIO_RING_MAGIC);
    }

    private static String probeFdsync(AioSyscalls sys, long contextId, UnsafeBuffer mem) {
        long base = mem.addressOffset();
        mem.putBytes(NAME_AT, "keel-linux-aio-probe\0".getBytes(StandardCharsets.US_ASCII));
        long fd = LinuxAioNative.syscall(LinuxAioNative.SYS_MEMFD_CREATE, base + NAME_AT, LinuxAioNative.MFD_CLOEXEC,
            0, 0, 0, 0);
        if (fd < 0) {
            return "memfd_create: " + Errno.format(LinuxAioNative.errno());
        }
        try {
            mem.setMemory(IOCB_AT, IocbDescriptor.IOCB_BYTES, (byte) 0);
            mem.putShort(IOCB_AT + AIO_LIO_OPCODE_OFFSET, IOCB_CMD_FDSYNC);
            mem.putInt(IOCB_AT + AIO_FILDES_OFFSET, (int) fd);
            mem.putLong(POINTER_AT, base + IOCB_AT);
            long r = sys.ioSubmit(contextId, 1, base + POINTER_AT);
            if (r < 0) {
                return "io_submit(IOCB_CMD_FDSYNC): " + Errno.format((int) r)
                    + (r == -Errno.EINVAL.value() ? " (kernel before 4.18 has no asynchronous fdatasync)" : "");
            }
            mem.putLong(TIMESPEC_AT + LinuxAioNative.TIMESPEC_SEC_OFFSET, PROBE_TIMEOUT_SECONDS);
            mem.putLong(TIMESPEC_AT + LinuxAioNative.TIMESPEC_NSEC_OFFSET, 0);
            long got = sys.ioGetevents(contextId, 1, 1, base + EVENT_AT, base + TIMESPEC_AT);
            if (got != 1) {
                return "io_getevents: " + (got < 0 ? Errno.format((int) got)
                    : "no completion of the probe's IOCB_CMD_FDSYNC within " + PROBE_TIMEOUT_SECONDS + " s");
            }
            long res = mem.getLong(EVENT_AT + EVENT_RES_OFFSET);
            return res < 0 ? "IOCB_CMD_FDSYNC: " + Errno.format((int) res) : null;
        } finally {
            LinuxAioNative.close((int) fd);
        }
    }

    /** Why io_setup failed, in words, for the errno values that have a known cause; else null. */
    static String setupFailureDetail(int errno) {
        if (errno == Errno.ENOSYS.value()) {
            return "kernel built without CONFIG_AIO";
        }
        if (errno == Errno.EPERM.value()) {
            return "blocked by seccomp or a security policy";
        }
        if (errno == Errno.EAGAIN.value()) {
            return "/proc/sys/fs/aio-max-nr exhausted: aio-nr=" + procValue("aio-nr") + " of aio-max-nr="
                + procValue("aio-max-nr");
        }
        return null;
    }

    private static String procValue(String name) {
        try {
            return Files.readString(Path.of("/proc/sys/fs", name)).trim();
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
