package dev.keel.aio.posix;

/**
 * The native layouts glibc's POSIX AIO reads and writes on Linux x86_64 (glibc 2.36, checked
 * with offsetof/sizeof against {@code <aio.h>} on this machine), and the constants of its API.
 *
 * <h2>struct aiocb (168 bytes)</h2>
 * <pre>
 *   0        4        8        12       16                24                32
 *   +--------+--------+--------+--------+-----------------+-----------------+
 *   | fildes | lio_op | reqprio| (pad)  | buf (void *)    | nbytes (size_t) |
 *   +--------+--------+--------+--------+-----------------+-----------------+
 *   32                                          96
 *   +-------------------------------------------+
 *   | aio_sigevent (64 bytes; sigev_notify @44) |   SIGEV_NONE: no signal, no thread
 *   +-------------------------------------------+
 *   96                104      108      112      116      120               128
 *   +-----------------+--------+--------+--------+--------+-----------------+
 *   | __next_prio     |abs_prio| policy | error  | (pad)  | __return_value  |   glibc-private:
 *   +-----------------+--------+--------+--------+--------+-----------------+   written after submit
 *   128               136                                 168
 *   +-----------------+-----------------------------------+
 *   | aio_offset      | __glibc_reserved (32 bytes)       |
 *   +-----------------+-----------------------------------+
 * </pre>
 *
 * <p>glibc writes {@code aio_lio_opcode}, {@code __abs_prio}, {@code __policy},
 * {@code __error_code} and {@code __return_value} after submission, from its worker threads:
 * the block must be raw memory that stays put until {@code aio_error} reports completion,
 * never a JNA {@code Structure} that would copy itself back over glibc's writes.
 *
 * <h2>struct aioinit (32 bytes)</h2>
 * <pre>
 *   0            4        8        12       16       20          24          28
 *   +------------+--------+--------+--------+--------+-----------+-----------+----------+
 *   | aio_threads| aio_num| locks  | usedba | debug  | numusers  | idle_time | reserved |
 *   +------------+--------+--------+--------+--------+-----------+-----------+----------+
 * </pre>
 *
 * <h2>struct timespec (16 bytes)</h2>
 * {@code tv_sec} (long) at 0, {@code tv_nsec} (long) at 8.
 */
final class AiocbDescriptor {
    // ------------------------------------------------------------------ struct aiocb
    static final int FILDES_OFFSET = 0;
    static final int LIO_OPCODE_OFFSET = FILDES_OFFSET + 4;
    static final int REQPRIO_OFFSET = LIO_OPCODE_OFFSET + 4;
    /** After 4 bytes of padding, so that the pointer is 8-aligned. */
    static final int BUF_OFFSET = REQPRIO_OFFSET + 8;
    static final int NBYTES_OFFSET = BUF_OFFSET + 8;
    static final int SIGEVENT_OFFSET = NBYTES_OFFSET + 8;
    static final int SIGEVENT_BYTES = 64;
    /** sigev_value (8) and sigev_signo (4) come first in struct sigevent. */
    static final int SIGEV_NOTIFY_OFFSET = SIGEVENT_OFFSET + 12;
    static final int NEXT_PRIO_OFFSET = SIGEVENT_OFFSET + SIGEVENT_BYTES;
    static final int ABS_PRIO_OFFSET = NEXT_PRIO_OFFSET + 8;
    static final int POLICY_OFFSET = ABS_PRIO_OFFSET + 4;
    static final int ERROR_CODE_OFFSET = POLICY_OFFSET + 4;
    /** After 4 bytes of padding. */
    static final int RETURN_VALUE_OFFSET = ERROR_CODE_OFFSET + 8;
    static final int OFFSET_OFFSET = RETURN_VALUE_OFFSET + 8;
    static final int RESERVED_BYTES = 32;
    static final int AIOCB_BYTES = OFFSET_OFFSET + 8 + RESERVED_BYTES;

    // ------------------------------------------------------------------ struct aioinit
    static final int AIOINIT_THREADS_OFFSET = 0;
    static final int AIOINIT_NUM_OFFSET = 4;
    static final int AIOINIT_IDLE_TIME_OFFSET = 24;
    static final int AIOINIT_BYTES = 32;

    // ------------------------------------------------------------------ struct timespec
    static final int TIMESPEC_SEC_OFFSET = 0;
    static final int TIMESPEC_NSEC_OFFSET = 8;
    static final int TIMESPEC_BYTES = 16;

    /** One pointer in a list handed to lio_listio or aio_suspend. */
    static final int POINTER_BYTES = 8;

    // ------------------------------------------------------------------ <aio.h> constants
    static final int LIO_READ = 0;
    static final int LIO_WRITE = 1;
    static final int LIO_NOP = 2;
    static final int LIO_WAIT = 0;
    static final int LIO_NOWAIT = 1;
    static final int AIO_CANCELED = 0;
    static final int AIO_NOTCANCELED = 1;
    static final int AIO_ALLDONE = 2;
    static final int SIGEV_NONE = 1;
    /** aio_fsync's operation for fdatasync semantics. */
    static final int O_DSYNC = 010000;
    /** aio_fsync's operation for fsync semantics (includes O_DSYNC's bit on Linux). */
    static final int O_SYNC = 04010000;
    static final int EINPROGRESS = 115;

    static {
        // The layout measured on this machine; a change here means a different ABI.
        assert LIO_OPCODE_OFFSET == 4 && REQPRIO_OFFSET == 8 && BUF_OFFSET == 16 && NBYTES_OFFSET == 24;
        assert SIGEVENT_OFFSET == 32 && SIGEV_NOTIFY_OFFSET == 44;
        assert ERROR_CODE_OFFSET == 112 && RETURN_VALUE_OFFSET == 120 && OFFSET_OFFSET == 128;
        assert AIOCB_BYTES == 168 : AIOCB_BYTES;
        assert AIOCB_BYTES % 8 == 0 : "consecutive aiocbs must keep their pointers 8-aligned";
        assert (O_SYNC & O_DSYNC) == O_DSYNC;
    }

    private AiocbDescriptor() {
    }
}
