package dev.keel.aio.uring;

/**
 * The wait argument of {@code io_uring_enter(..., IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
 * arg, sizeof arg)}: a {@code struct io_uring_getevents_arg} followed, in the same block, by the
 * {@code struct __kernel_timespec} its {@code ts} field points at. The kernel copies both at entry,
 * so one block per waiting thread suffices.
 *
 * <pre>
 *   0                                   8                 12                16
 *   +-----------------------------------+-----------------+-----------------+
 *   | sigmask (0: keep the mask)    u64 | sigmask_sz  u32 | min_wait_usec / |
 *   |                                   |                 | pad         u32 |
 *   +-----------------------------------+-----------------+-----------------+  16
 *   | ts: address of the timespec below, or 0 to wait without a timeout u64 |
 *   +-----------------------------------------------------------------------+  24
 *   | tv_sec                                                            s64 |
 *   +-----------------------------------------------------------------------+  32
 *   | tv_nsec                                                           s64 |
 *   +-----------------------------------------------------------------------+  40
 * </pre>
 *
 * The timeout is relative (no IORING_ENTER_ABS_TIMER).
 */
final class GeteventsArgDescriptor {
    static final int SIGMASK_OFFSET = 0;
    static final int SIGMASK_SZ_OFFSET = SIGMASK_OFFSET + 8;
    static final int PAD_OFFSET = SIGMASK_SZ_OFFSET + 4;
    static final int TS_OFFSET = PAD_OFFSET + 4;
    /** sizeof(struct io_uring_getevents_arg): the argsz io_uring_enter is given. */
    static final int ARG_BYTES = TS_OFFSET + 8;
    static final int TV_SEC_OFFSET = ARG_BYTES;
    static final int TV_NSEC_OFFSET = TV_SEC_OFFSET + 8;
    static final int BLOCK_BYTES = TV_NSEC_OFFSET + 8;

    static {
        assert ARG_BYTES == 24 : "struct io_uring_getevents_arg is 24 bytes, computed " + ARG_BYTES;
        assert BLOCK_BYTES == 40 : "arg plus __kernel_timespec is 40 bytes, computed " + BLOCK_BYTES;
    }

    private GeteventsArgDescriptor() {
    }
}
