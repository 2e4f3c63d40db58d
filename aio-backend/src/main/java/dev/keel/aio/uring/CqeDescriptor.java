package dev.keel.aio.uring;

/**
 * {@code struct io_uring_cqe}, a completion queue entry: 16 bytes in the mapped CQ ring, written
 * by the kernel before it store-releases the CQ tail.
 *
 * <pre>
 *   0                                   8                 12                16
 *   +-----------------------------------+-----------------+-----------------+
 *   | user_data (the SQE's)         u64 | res         s32 | flags       u32 |
 *   +-----------------------------------+-----------------+-----------------+
 * </pre>
 *
 * {@code res} is what the synchronous call would have returned: bytes, 0, or a negative errno.
 */
final class CqeDescriptor {
    static final int USER_DATA_OFFSET = 0;
    static final int RES_OFFSET = USER_DATA_OFFSET + 8;
    static final int FLAGS_OFFSET = RES_OFFSET + 4;
    static final int CQE_BYTES = FLAGS_OFFSET + 4;

    static {
        assert CQE_BYTES == 16 : "struct io_uring_cqe is 16 bytes, computed " + CQE_BYTES;
    }

    private CqeDescriptor() {
    }
}
