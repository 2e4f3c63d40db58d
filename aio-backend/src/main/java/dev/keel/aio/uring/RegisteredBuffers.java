package dev.keel.aio.uring;

import dev.keel.aio.AddressOf;
import dev.keel.aio.BufferRegistrationException;
import dev.keel.aio.AioException;
import dev.keel.aio.Errno;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The buffers registered with the ring (IORING_REGISTER_BUFFERS), from
 * {@link dev.keel.aio.AioOptions#registeredBuffers}, and the lookup that turns a transfer into
 * READ_FIXED / WRITE_FIXED.
 *
 * <pre>
 *   AioOptions.registeredBuffers(b0, b1, ...)  ─► io_uring_register(BUFFERS, iovec[n]) at context open
 *   a READ / WRITE / APPEND whose [address, address + length) lies wholly inside bi
 *        ─► READ_FIXED / WRITE_FIXED with buf_index i: the kernel skips pinning the pages per call
 *   anything else ─► plain READ / WRITE (still correct, just not pre-pinned)
 *   context close ─► IORING_UNREGISTER_BUFFERS
 * </pre>
 *
 * <p>How a write path uses them (the DIRECT write path of issue 12): allocate its aligned
 * direct buffers once, pass them to {@code AioOptions.registeredBuffers(...)} when opening
 * the context, keep them alive (and unmoved: they are direct) for the context's life, and
 * submit requests whose address and length lie inside one of them, slices included; nothing
 * else changes in the request. {@code AioCounter.FIXED_TRANSFERS} counts the transfers
 * that went as FIXED, for a test to prove it. Registered memory counts against RLIMIT_MEMLOCK
 * (kernels before 5.12, or no CAP_IPC_LOCK): a refusal names the limit ({@link #hint}). The
 * lookup is a linear scan (a write path registers a handful), no allocation.
 */
final class RegisteredBuffers {
    private static final int EINTR = Errno.EINTR.value();
    private static final int IOVEC_BYTES = 16;

    /** [base[i], end[i]) is buffer index i. */
    private final long[] base;
    private final long[] end;

    private RegisteredBuffers(int count) {
        this.base = new long[count];
        this.end = new long[count];
    }

    /**
     * Registers {@code buffers} with the ring (none: nothing to do).
     *
     * @throws IllegalArgumentException for an empty buffer
     * @throws AioException naming io_uring_register, the errno and what to do about it
     */
    static RegisteredBuffers register(IoUringRing ring, List<ByteBuffer> buffers) throws AioException {
        int n = buffers.size();
        RegisteredBuffers registered = new RegisteredBuffers(n);
        if (n == 0) {
            return registered;
        }
        UnsafeBuffer iovecs = new UnsafeBuffer(BufferUtil.allocateDirectAligned(IOVEC_BYTES * n, IOVEC_BYTES));
        long totalBytes = 0;
        for (int i = 0; i < n; i++) {
            ByteBuffer b = buffers.get(i);
            if (b.capacity() == 0) {
                throw new IllegalArgumentException("registeredBuffers[" + i + "] has capacity 0: nothing to register");
            }
            registered.base[i] = AddressOf.buffer(b);
            registered.end[i] = registered.base[i] + b.capacity();
            iovecs.putLong(IOVEC_BYTES * i, registered.base[i]);
            iovecs.putLong(IOVEC_BYTES * i + 8, b.capacity());
            totalBytes += b.capacity();
        }
        int r;
        do {
            r = ring.register(IoUringSyscalls.IORING_REGISTER_BUFFERS, iovecs.addressOffset(), n);
        } while (r == -EINTR);
        if (r < 0) {
            throw new BufferRegistrationException("io_uring_register(IORING_REGISTER_BUFFERS)", -r, hint(-r, n, totalBytes));
        }
        return registered;
    }

    /** The registered buffer holding the whole transfer, or -1. */
    int indexOf(long address, int length) {
        long transferEnd = address + length;
        for (int i = 0; i < base.length; i++) {
            if (address >= base[i] && transferEnd <= end[i]) {
                return i;
            }
        }
        return -1;
    }

    /** At context close, with the ring still open. */
    void unregister(IoUringRing ring) throws AioException {
        if (base.length == 0) {
            return;
        }
        int r = ring.register(IoUringSyscalls.IORING_UNREGISTER_BUFFERS, 0, 0);
        if (r < 0) {
            throw new AioException("io_uring_register(IORING_UNREGISTER_BUFFERS)", null, -r);
        }
    }

    /** What to do about a failed registration; ENOMEM is almost always RLIMIT_MEMLOCK. */
    static String hint(int errno, int buffers, long totalBytes) {
        String what = buffers + " buffers, " + totalBytes + " bytes";
        if (errno == Errno.ENOMEM.value()) {
            return what + ": over RLIMIT_MEMLOCK (" + memlockLimit() + ") for a process without CAP_IPC_LOCK;"
                + " raise it (ulimit -l, LimitMEMLOCK=) or register less";
        }
        if (errno == Errno.EINVAL.value()) {
            return what + ": more than 16384 buffers, or one over 1 GiB";
        }
        if (errno == Errno.EFAULT.value()) {
            return what + ": a buffer is not ordinary anonymous or file memory";
        }
        return what;
    }

    private static String memlockLimit() {
        UnsafeBuffer rlimit = new UnsafeBuffer(BufferUtil.allocateDirectAligned(IoUringNative.RLIMIT_BYTES, 8));
        if (IoUringNative.getLimit(IoUringNative.RLIMIT_MEMLOCK, rlimit.addressOffset()) < 0) {
            return "unknown";
        }
        long current = rlimit.getLong(0);
        return current == IoUringNative.RLIM_INFINITY ? "unlimited" : current + " bytes";
    }
}
