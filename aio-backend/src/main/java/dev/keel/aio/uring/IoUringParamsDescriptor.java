package dev.keel.aio.uring;

/**
 * {@code struct io_uring_params}: what the caller asks of io_uring_setup and what the kernel
 * answers, including where the ring fields lie inside the mapped ring memory. Checked against
 * {@code <linux/io_uring.h>} with offsetof on this machine (kernel 6.18).
 *
 * <pre>
 *   0                   4                   8                   12                  16
 *   +-------------------+-------------------+-------------------+-------------------+
 *   | sq_entries    u32 | cq_entries    u32 | flags         u32 | sq_thread_cpu u32 |
 *   +-------------------+-------------------+-------------------+-------------------+  16
 *   | sq_thread_idle u32| features      u32 | wq_fd         u32 | resv[3]     3*u32 ...
 *   +-------------------+-------------------+-------------------+-------------------+  40
 *   | sq_off: struct io_sqring_offsets (40 bytes)                                     |
 *   |   head 0, tail 4, ring_mask 8, ring_entries 12, flags 16, dropped 20, array 24, |
 *   |   resv1 28, user_addr 32                                                        |
 *   +---------------------------------------------------------------------------------+  80
 *   | cq_off: struct io_cqring_offsets (40 bytes)                                     |
 *   |   head 0, tail 4, ring_mask 8, ring_entries 12, overflow 16, cqes 20, flags 24, |
 *   |   resv1 28, user_addr 32                                                        |
 *   +---------------------------------------------------------------------------------+ 120
 * </pre>
 *
 * The {@code *_OFF_*} values below are offsets of fields of {@code params}; the u32 found there
 * is in turn an offset into the mapped ring memory.
 */
final class IoUringParamsDescriptor {
    static final int SQ_ENTRIES_OFFSET = 0;
    static final int CQ_ENTRIES_OFFSET = SQ_ENTRIES_OFFSET + 4;
    static final int FLAGS_OFFSET = CQ_ENTRIES_OFFSET + 4;
    static final int SQ_THREAD_CPU_OFFSET = FLAGS_OFFSET + 4;
    static final int SQ_THREAD_IDLE_OFFSET = SQ_THREAD_CPU_OFFSET + 4;
    static final int FEATURES_OFFSET = SQ_THREAD_IDLE_OFFSET + 4;
    static final int WQ_FD_OFFSET = FEATURES_OFFSET + 4;
    static final int RESV_OFFSET = WQ_FD_OFFSET + 4;
    static final int SQ_OFF_OFFSET = RESV_OFFSET + 3 * 4;
    static final int RING_OFFSETS_BYTES = 40;
    static final int CQ_OFF_OFFSET = SQ_OFF_OFFSET + RING_OFFSETS_BYTES;
    static final int PARAMS_BYTES = CQ_OFF_OFFSET + RING_OFFSETS_BYTES;

    // struct io_sqring_offsets, relative to SQ_OFF_OFFSET
    static final int SQ_HEAD = 0;
    static final int SQ_TAIL = 4;
    static final int SQ_RING_MASK = 8;
    static final int SQ_RING_ENTRIES = 12;
    static final int SQ_FLAGS = 16;
    static final int SQ_DROPPED = 20;
    static final int SQ_ARRAY = 24;

    // struct io_cqring_offsets, relative to CQ_OFF_OFFSET
    static final int CQ_HEAD = 0;
    static final int CQ_TAIL = 4;
    static final int CQ_RING_MASK = 8;
    static final int CQ_RING_ENTRIES = 12;
    static final int CQ_OVERFLOW = 16;
    static final int CQ_CQES = 20;

    /** Setup flag: cq_entries in params sizes the CQ ring (instead of 2 * sq_entries). */
    static final int IORING_SETUP_CQSIZE = 1 << 3;
    /** Setup flag (5.18+): keep submitting the rest of a batch when one SQE fails to prepare. */
    static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;

    /** Feature: SQ and CQ rings share one mapping at offset 0 (5.4+). */
    static final int IORING_FEAT_SINGLE_MMAP = 1;
    /** Feature: completions are never dropped when the CQ ring is full; they wait in an overflow list (5.5+). */
    static final int IORING_FEAT_NODROP = 1 << 1;
    /** Feature: offset -1 means "the file position", as write(2) uses it (5.6+). */
    static final int IORING_FEAT_RW_CUR_POS = 1 << 3;
    /** Feature: io_uring_enter takes a struct io_uring_getevents_arg with a timeout (5.11+). */
    static final int IORING_FEAT_EXT_ARG = 1 << 8;

    /** mmap offset of the SQ ring (and of the CQ ring too with IORING_FEAT_SINGLE_MMAP). */
    static final long IORING_OFF_SQ_RING = 0L;
    /** mmap offset of the SQE array. */
    static final long IORING_OFF_SQES = 0x10000000L;

    /** The kernel's limit on sq_entries (IORING_MAX_ENTRIES). */
    static final int MAX_SQ_ENTRIES = 32768;

    static {
        assert PARAMS_BYTES == 120 : "struct io_uring_params is 120 bytes, computed " + PARAMS_BYTES;
        assert SQ_OFF_OFFSET == 40 && CQ_OFF_OFFSET == 80 : "sq_off at 40, cq_off at 80";
        assert FEATURES_OFFSET == 20 : "features at 20";
    }

    private IoUringParamsDescriptor() {
    }
}
