package dev.keel.aio.uring;

/**
 * {@code struct io_uring_sqe}, a submission queue entry: 64 bytes, written by the backend into
 * the mapped SQE array, read by the kernel when the SQ tail that covers it is published.
 *
 * <pre>
 *   0        1        2                 4                                   8
 *   +--------+--------+-----------------+-----------------------------------+
 *   | opcode | flags  | ioprio      u16 | fd                            s32 |
 *   +--------+--------+-----------------+-----------------------------------+   8
 *   | off (file offset; -1 = file position)                             u64 |
 *   +-----------------------------------------------------------------------+  16
 *   | addr (buffer address; the target user_data for ASYNC_CANCEL)      u64 |
 *   +-----------------------------------+-----------------------------------+  24
 *   | len                           u32 | rw_flags / fsync_flags /      u32 |
 *   |                                   | cancel_flags                      |
 *   +-----------------------------------+-----------------------------------+  32
 *   | user_data (comes back in the CQE)                                 u64 |
 *   +-----------------+-----------------+-----------------------------------+  40
 *   | buf_index   u16 | personality u16 | splice_fd_in / file_index     s32 |
 *   +-----------------+-----------------+-----------------------------------+  48
 *   | addr3                                                             u64 |
 *   +-----------------------------------------------------------------------+  56
 *   | __pad2                                                            u64 |
 *   +-----------------------------------------------------------------------+  64
 * </pre>
 *
 * The backend writes all eight words of an entry every time, so nothing left over from an
 * earlier use of the entry can reach the kernel.
 */
final class SqeDescriptor {
    static final int OPCODE_OFFSET = 0;
    static final int FLAGS_OFFSET = OPCODE_OFFSET + 1;
    static final int IOPRIO_OFFSET = FLAGS_OFFSET + 1;
    static final int FD_OFFSET = IOPRIO_OFFSET + 2;
    static final int OFF_OFFSET = FD_OFFSET + 4;
    static final int ADDR_OFFSET = OFF_OFFSET + 8;
    static final int LEN_OFFSET = ADDR_OFFSET + 8;
    static final int OP_FLAGS_OFFSET = LEN_OFFSET + 4;
    static final int USER_DATA_OFFSET = OP_FLAGS_OFFSET + 4;
    static final int BUF_INDEX_OFFSET = USER_DATA_OFFSET + 8;
    static final int PERSONALITY_OFFSET = BUF_INDEX_OFFSET + 2;
    static final int SPLICE_FD_IN_OFFSET = PERSONALITY_OFFSET + 2;
    static final int ADDR3_OFFSET = SPLICE_FD_IN_OFFSET + 4;
    static final int PAD2_OFFSET = ADDR3_OFFSET + 8;
    static final int SQE_BYTES = PAD2_OFFSET + 8;

    static final int IORING_OP_NOP = 0;
    static final int IORING_OP_FSYNC = 3;
    static final int IORING_OP_READ_FIXED = 4;
    static final int IORING_OP_WRITE_FIXED = 5;
    static final int IORING_OP_ASYNC_CANCEL = 14;
    static final int IORING_OP_READ = 22;
    static final int IORING_OP_WRITE = 23;

    /** SQE flag: the next SQE starts only after this one succeeded; a failure cancels the rest. */
    static final int IOSQE_IO_LINK = 1 << 2;

    /** fsync_flags: fdatasync instead of fsync. */
    static final int IORING_FSYNC_DATASYNC = 1;

    static {
        assert SQE_BYTES == 64 : "struct io_uring_sqe is 64 bytes, computed " + SQE_BYTES;
        assert USER_DATA_OFFSET == 32 && BUF_INDEX_OFFSET == 40 : "user_data at 32, buf_index at 40";
    }

    private SqeDescriptor() {
    }

    /** The first word: opcode, flags, ioprio 0 and fd, as the little-endian u64 at offset 0. */
    static long headerWord(int opcode, int sqeFlags, int fd) {
        return (opcode & 0xFFL) | (sqeFlags & 0xFFL) << 8 | (fd & 0xFFFF_FFFFL) << 32;
    }

    /** The word at offset 24: len, then the per-opcode flags. */
    static long lengthWord(int length, int opFlags) {
        return (length & 0xFFFF_FFFFL) | (opFlags & 0xFFFF_FFFFL) << 32;
    }

    /** The word at offset 40: buf_index, personality 0, splice_fd_in 0. */
    static long bufIndexWord(int bufIndex) {
        return bufIndex & 0xFFFFL;
    }
}
