package dev.keel.aio.uring;

import dev.keel.aio.AioException;
import dev.keel.aio.Errno;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

import static dev.keel.aio.uring.IoUringParamsDescriptor.*;

/**
 * One io_uring instance: the ring file descriptor and the two memory regions shared with the
 * kernel, read and written through Agrona {@link UnsafeBuffer}s over the mapped addresses.
 *
 * <pre>
 *   mmap(fd, offset 0) ─ one region (IORING_FEAT_SINGLE_MMAP) holding both rings:
 *     SQ ring: head (kernel moves) │ tail (we store-release) │ mask │ flags │ array[sq_entries]
 *     CQ ring: head (we store-release) │ tail (kernel moves, we load-acquire) │ mask │ cqes[cq_entries]
 *   mmap(fd, offset 0x10000000) ─ the SQE array, sq_entries * 64 bytes
 * </pre>
 *
 * <p>The SQ array is an indirection (ring position to SQE index); it is set to the identity once
 * here, so the SQE for ring position p is always entry {@code p & mask}. This class holds no
 * lock and keeps no producer or consumer position: the context owns them (the SQ under its ring
 * lock, the CQ under the reap lock) and calls the ordered accessors at the points the io_uring
 * memory model requires: fill the SQEs, then store-release the SQ tail; load-acquire the CQ
 * tail, read the CQEs, then store-release the CQ head.
 */
final class IoUringRing {
    /** SQ ring flags: completions wait in the kernel's overflow list (CQ ring was full). */
    static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;

    private final IoUringSyscalls syscalls;
    /** io_uring_enter calls made on this ring, to submit or to wait (for tests and diagnostics). */
    private final AtomicLong enterCalls = new AtomicLong();
    private final int fd;
    private final int sqEntries;
    private final int cqEntries;
    private final int features;
    private final long ringAddress;
    private final long ringBytes;
    private final long sqesAddress;
    private final long sqesBytes;
    private final UnsafeBuffer ring;
    private final UnsafeBuffer sqes;
    private final int sqMask;
    private final int sqHeadOffset;
    private final int sqTailOffset;
    private final int sqFlagsOffset;
    private final int cqMask;
    private final int cqHeadOffset;
    private final int cqTailOffset;
    private final int cqesOffset;

    private IoUringRing(IoUringSyscalls syscalls, int fd, UnsafeBuffer params, long ringAddress, long ringBytes,
                        long sqesAddress, long sqesBytes) {
        this.syscalls = syscalls;
        this.fd = fd;
        this.sqEntries = params.getInt(SQ_ENTRIES_OFFSET);
        this.cqEntries = params.getInt(CQ_ENTRIES_OFFSET);
        this.features = params.getInt(FEATURES_OFFSET);
        this.ringAddress = ringAddress;
        this.ringBytes = ringBytes;
        this.sqesAddress = sqesAddress;
        this.sqesBytes = sqesBytes;
        this.ring = new UnsafeBuffer(ringAddress, (int) ringBytes);
        this.sqes = new UnsafeBuffer(sqesAddress, (int) sqesBytes);
        this.sqHeadOffset = params.getInt(SQ_OFF_OFFSET + SQ_HEAD);
        this.sqTailOffset = params.getInt(SQ_OFF_OFFSET + SQ_TAIL);
        this.sqFlagsOffset = params.getInt(SQ_OFF_OFFSET + SQ_FLAGS);
        this.sqMask = ring.getInt(params.getInt(SQ_OFF_OFFSET + SQ_RING_MASK));
        this.cqHeadOffset = params.getInt(CQ_OFF_OFFSET + CQ_HEAD);
        this.cqTailOffset = params.getInt(CQ_OFF_OFFSET + CQ_TAIL);
        this.cqesOffset = params.getInt(CQ_OFF_OFFSET + CQ_CQES);
        this.cqMask = ring.getInt(params.getInt(CQ_OFF_OFFSET + CQ_RING_MASK));
        int arrayOffset = params.getInt(SQ_OFF_OFFSET + SQ_ARRAY);
        for (int i = 0; i < sqEntries; i++) {
            ring.putInt(arrayOffset + i * 4, i);
        }
        assert sqMask == sqEntries - 1 && cqMask == cqEntries - 1 : "ring masks " + sqMask + "/" + cqMask;
    }

    /** The setup flags every ring of this backend uses. */
    static int setupFlags() {
        return IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE;
    }

    /** The features the backend relies on, and the text naming each one when it is missing. */
    private static final int[] REQUIRED_FEATURES = {
        IORING_FEAT_SINGLE_MMAP, IORING_FEAT_NODROP, IORING_FEAT_RW_CUR_POS, IORING_FEAT_EXT_ARG};
    private static final String[] REQUIRED_FEATURE_NAMES = {
        "IORING_FEAT_SINGLE_MMAP (5.4+)", "IORING_FEAT_NODROP (5.5+)", "IORING_FEAT_RW_CUR_POS (5.6+)",
        "IORING_FEAT_EXT_ARG (5.11+)"};

    /** Null when features has every required bit, else the names of the missing ones. */
    static String missingFeatures(int features) {
        StringBuilder missing = new StringBuilder();
        for (int i = 0; i < REQUIRED_FEATURES.length; i++) {
            if ((features & REQUIRED_FEATURES[i]) == 0) {
                missing.append(missing.length() == 0 ? "" : ", ").append(REQUIRED_FEATURE_NAMES[i]);
            }
        }
        return missing.length() == 0 ? null : missing.toString();
    }

    /** Why io_uring_setup failed with this errno, for people reading the message. */
    static String explainSetupErrno(int errno) {
        if (errno == Errno.EPERM.value()) {
            return "disabled by seccomp or kernel.io_uring_disabled";
        }
        if (errno == Errno.ENOSYS.value()) {
            return "kernel without io_uring (before 5.1, or built without CONFIG_IO_URING)";
        }
        if (errno == Errno.EINVAL.value()) {
            return "kernel older than 5.18: IORING_SETUP_SUBMIT_ALL unknown";
        }
        if (errno == Errno.ENOMEM.value()) {
            return "no memory for the ring (RLIMIT_MEMLOCK on kernels before 5.12)";
        }
        return null;
    }

    /**
     * Creates a ring with {@code sqEntries} submission and {@code cqEntries} completion entries
     * (powers of two) and maps it.
     *
     * @throws AioException naming io_uring_setup or mmap and the errno, or the missing features
     */
    static IoUringRing open(int sqEntries, int cqEntries, IoUringSyscalls syscalls) throws AioException {
        ByteBuffer paramsMemory = BufferUtil.allocateDirectAligned(128, 64);
        UnsafeBuffer params = new UnsafeBuffer(paramsMemory);
        params.putInt(FLAGS_OFFSET, setupFlags());
        params.putInt(CQ_ENTRIES_OFFSET, cqEntries);
        int fd = IoUringNative.setup(sqEntries, params.addressOffset());
        if (fd < 0) {
            throw new AioException("io_uring_setup", null, -fd, explainSetupErrno(-fd));
        }
        String missing = missingFeatures(params.getInt(FEATURES_OFFSET));
        if (missing != null) {
            IoUringNative.closeFd(fd);
            throw new AioException("io_uring_setup", null, Errno.EOPNOTSUPP.value(), "kernel lacks " + missing);
        }
        long sqRingBytes = params.getInt(SQ_OFF_OFFSET + SQ_ARRAY) + 4L * params.getInt(SQ_ENTRIES_OFFSET);
        long cqRingBytes = params.getInt(CQ_OFF_OFFSET + CQ_CQES)
            + (long) CqeDescriptor.CQE_BYTES * params.getInt(CQ_ENTRIES_OFFSET);
        long ringBytes = Math.max(sqRingBytes, cqRingBytes);
        long ringAddress = IoUringNative.mapShared(fd, ringBytes, IORING_OFF_SQ_RING);
        if (ringAddress < 0) {
            IoUringNative.closeFd(fd);
            throw new AioException("mmap", null, (int) -ringAddress, "io_uring SQ/CQ rings, " + ringBytes + " bytes");
        }
        long sqesBytes = (long) SqeDescriptor.SQE_BYTES * params.getInt(SQ_ENTRIES_OFFSET);
        long sqesAddress = IoUringNative.mapShared(fd, sqesBytes, IORING_OFF_SQES);
        if (sqesAddress < 0) {
            IoUringNative.unmap(ringAddress, ringBytes);
            IoUringNative.closeFd(fd);
            throw new AioException("mmap", null, (int) -sqesAddress, "io_uring SQE array, " + sqesBytes + " bytes");
        }
        return new IoUringRing(syscalls, fd, params, ringAddress, ringBytes, sqesAddress, sqesBytes);
    }

    /**
     * Sets up and closes a small ring: null when this kernel runs the backend, else one line
     * naming the call and the errno, or the missing features.
     */
    static String probe() {
        ByteBuffer paramsMemory = BufferUtil.allocateDirectAligned(128, 64);
        UnsafeBuffer params = new UnsafeBuffer(paramsMemory);
        params.putInt(FLAGS_OFFSET, setupFlags());
        params.putInt(CQ_ENTRIES_OFFSET, 8);
        int fd = IoUringNative.setup(4, params.addressOffset());
        if (fd < 0) {
            String why = explainSetupErrno(-fd);
            return "io_uring_setup: " + Errno.format(-fd) + (why == null ? "" : " (" + why + ")");
        }
        IoUringNative.closeFd(fd);
        String missing = missingFeatures(params.getInt(FEATURES_OFFSET));
        return missing == null ? null : "io_uring_setup: kernel lacks " + missing;
    }

    int fd() {
        return fd;
    }

    /** io_uring_enter on this ring (counted): SQEs consumed, or -errno; EINTR is the caller's to handle. */
    int enter(int toSubmit, int minComplete, int flags, long argAddress, long argBytes) {
        enterCalls.incrementAndGet();
        return syscalls.enter(fd, toSubmit, minComplete, flags, argAddress, argBytes);
    }

    /** io_uring_register on this ring: 0 or a positive answer, or -errno. */
    int register(int opcode, long argAddress, int nrArgs) {
        return syscalls.register(fd, opcode, argAddress, nrArgs);
    }

    long enterCalls() {
        return enterCalls.get();
    }

    int sqEntries() {
        return sqEntries;
    }

    int cqEntries() {
        return cqEntries;
    }

    int features() {
        return features;
    }

    // ------------------------------------------------------------ submission queue (producer)

    /** Load-acquire of the SQ head: entries before it were consumed by the kernel. */
    int sqHeadAcquire() {
        return ring.getIntVolatile(sqHeadOffset);
    }

    /** Store-release of the SQ tail: publishes every SQE written before it. */
    void publishSqTail(int tail) {
        ring.putIntOrdered(sqTailOffset, tail);
    }

    /** The SQ ring flags (IORING_SQ_CQ_OVERFLOW), as the kernel last stored them. */
    int sqFlags() {
        return ring.getIntVolatile(sqFlagsOffset);
    }

    /** Writes every word of the SQE for ring position {@code position}. */
    void writeSqe(int position, int opcode, int sqeFlags, int fd, long offset, long address, int length,
                  int opFlags, long userData, int bufIndex) {
        int at = (position & sqMask) * SqeDescriptor.SQE_BYTES;
        sqes.putLong(at + SqeDescriptor.OPCODE_OFFSET, SqeDescriptor.headerWord(opcode, sqeFlags, fd));
        sqes.putLong(at + SqeDescriptor.OFF_OFFSET, offset);
        sqes.putLong(at + SqeDescriptor.ADDR_OFFSET, address);
        sqes.putLong(at + SqeDescriptor.LEN_OFFSET, SqeDescriptor.lengthWord(length, opFlags));
        sqes.putLong(at + SqeDescriptor.USER_DATA_OFFSET, userData);
        sqes.putLong(at + SqeDescriptor.BUF_INDEX_OFFSET, SqeDescriptor.bufIndexWord(bufIndex));
        sqes.putLong(at + SqeDescriptor.ADDR3_OFFSET, 0L);
        sqes.putLong(at + SqeDescriptor.PAD2_OFFSET, 0L);
    }

    /** The user_data of the SQE at ring position {@code position} (to fail entries the kernel did not take). */
    long sqeUserData(int position) {
        return sqes.getLong((position & sqMask) * SqeDescriptor.SQE_BYTES + SqeDescriptor.USER_DATA_OFFSET);
    }

    // ------------------------------------------------------------ completion queue (consumer)

    /** Load-acquire of the CQ tail: CQEs before it are fully written. */
    int cqTailAcquire() {
        return ring.getIntVolatile(cqTailOffset);
    }

    /** Load-acquire of the CQ head, for readers other than the consumer. */
    int cqHeadAcquire() {
        return ring.getIntVolatile(cqHeadOffset);
    }

    /** Store-release of the CQ head: hands the CQEs before it back to the kernel. */
    void releaseCqHead(int head) {
        ring.putIntOrdered(cqHeadOffset, head);
    }

    long cqeUserData(int position) {
        return ring.getLong(cqesOffset + (position & cqMask) * CqeDescriptor.CQE_BYTES + CqeDescriptor.USER_DATA_OFFSET);
    }

    int cqeResult(int position) {
        return ring.getInt(cqesOffset + (position & cqMask) * CqeDescriptor.CQE_BYTES + CqeDescriptor.RES_OFFSET);
    }

    /** True when CQEs are waiting in the ring (tail ahead of head). */
    boolean completionsReady() {
        return cqTailAcquire() != cqHeadAcquire();
    }

    /** Unmaps both regions and closes the ring descriptor; reports the first failure. */
    void close() throws AioException {
        int unmapSqes = IoUringNative.unmap(sqesAddress, sqesBytes);
        int unmapRing = IoUringNative.unmap(ringAddress, ringBytes);
        int closed = IoUringNative.closeFd(fd);
        if (unmapSqes < 0 || unmapRing < 0) {
            throw new AioException("munmap", null, -(unmapSqes < 0 ? unmapSqes : unmapRing), "io_uring ring memory");
        }
        if (closed < 0) {
            throw new AioException("close", null, -closed, "io_uring ring descriptor");
        }
    }
}
