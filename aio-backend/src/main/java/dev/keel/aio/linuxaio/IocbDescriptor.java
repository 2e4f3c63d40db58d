package dev.keel.aio.linuxaio;

/**
 * The layout of {@code struct iocb} from {@code <linux/aio_abi.h>} on x86_64 (little endian), the
 * control block {@code io_submit(2)} reads. The context keeps one per slot in native memory, so
 * {@code aio_data} carries the slot back in the completion. Offsets checked with a C
 * {@code offsetof} program against the installed header.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------------------------------------+
 *  |                      aio_data (u64)                         |  0  the slot, echoed in io_event.data
 *  |                                                             |
 *  +------------------------------+------------------------------+
 *  |        aio_key (u32)         |     aio_rw_flags (u32)       |  8  key written by the kernel; RWF_*
 *  +---------------+--------------+------------------------------+
 *  | opcode (u16)  | reqprio (s16)|      aio_fildes (u32)        | 16
 *  +---------------+--------------+------------------------------+
 *  |                       aio_buf (u64)                         | 24  0 for syncs
 *  +-------------------------------------------------------------+
 *  |                      aio_nbytes (u64)                       | 32  0 for syncs
 *  +-------------------------------------------------------------+
 *  |                      aio_offset (s64)                       | 40  0 for syncs and appends
 *  +-------------------------------------------------------------+
 *  |                    aio_reserved2 (u64)                      | 48  must be 0
 *  +------------------------------+------------------------------+
 *  |       aio_flags (u32)        |       aio_resfd (u32)        | 56  IOCB_FLAG_RESFD; the eventfd
 *  +------------------------------+------------------------------+
 *                                                                  64 bytes
 * </pre>
 *
 * <p>The kernel copies the iocb during {@code io_submit} (and writes {@code aio_key} back), so
 * a slot's iocb may be refilled as soon as its completion has been reaped.
 */
final class IocbDescriptor {
    static final int AIO_DATA_OFFSET = 0;
    static final int AIO_KEY_OFFSET = AIO_DATA_OFFSET + Long.BYTES;
    static final int AIO_RW_FLAGS_OFFSET = AIO_KEY_OFFSET + Integer.BYTES;
    static final int AIO_LIO_OPCODE_OFFSET = AIO_RW_FLAGS_OFFSET + Integer.BYTES;
    static final int AIO_REQPRIO_OFFSET = AIO_LIO_OPCODE_OFFSET + Short.BYTES;
    static final int AIO_FILDES_OFFSET = AIO_REQPRIO_OFFSET + Short.BYTES;
    static final int AIO_BUF_OFFSET = AIO_FILDES_OFFSET + Integer.BYTES;
    static final int AIO_NBYTES_OFFSET = AIO_BUF_OFFSET + Long.BYTES;
    static final int AIO_OFFSET_OFFSET = AIO_NBYTES_OFFSET + Long.BYTES;
    static final int AIO_RESERVED2_OFFSET = AIO_OFFSET_OFFSET + Long.BYTES;
    static final int AIO_FLAGS_OFFSET = AIO_RESERVED2_OFFSET + Long.BYTES;
    static final int AIO_RESFD_OFFSET = AIO_FLAGS_OFFSET + Integer.BYTES;
    static final int IOCB_BYTES = AIO_RESFD_OFFSET + Integer.BYTES;

    /** {@code IOCB_CMD_*}: the values of {@code aio_lio_opcode}. */
    static final short IOCB_CMD_PREAD = 0;
    static final short IOCB_CMD_PWRITE = 1;
    /** Asynchronous fsync(2); since Linux 4.18, always run on a kernel worker. */
    static final short IOCB_CMD_FSYNC = 2;
    /** Asynchronous fdatasync(2); since Linux 4.18. Not ordered behind writes in flight. */
    static final short IOCB_CMD_FDSYNC = 3;

    /** {@code aio_flags}: signal the eventfd in {@code aio_resfd} when the iocb completes. */
    static final int IOCB_FLAG_RESFD = 1;
    /** {@code aio_rw_flags}: append at end of file whatever the offset (Linux 4.16+). */
    static final int RWF_APPEND = 0x10;

    static {
        assert AIO_LIO_OPCODE_OFFSET == 16 && AIO_FILDES_OFFSET == 20 : "iocb header layout";
        assert AIO_BUF_OFFSET == 24 && AIO_OFFSET_OFFSET == 40 && AIO_FLAGS_OFFSET == 56 : "iocb body layout";
        assert IOCB_BYTES == 64 : "struct iocb is 64 bytes";
    }

    private IocbDescriptor() {
    }
}
