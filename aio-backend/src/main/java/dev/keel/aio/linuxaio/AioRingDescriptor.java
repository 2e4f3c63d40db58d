package dev.keel.aio.linuxaio;

/**
 * The completion side of a Linux AIO context: the {@code struct aio_ring} header that
 * {@code io_setup(2)} maps into the process (the context id <em>is</em> its address) and the
 * {@code struct io_event} records, both from {@code fs/aio.c} and {@code <linux/aio_abi.h>}.
 *
 * <pre>
 *   struct aio_ring (32-byte header, then nr io_events)     struct io_event (32 bytes)
 *   +--------+--------+--------+--------+                   +-------------------------+
 *   | id  0  | nr  4  | head 8 | tail 12|                   | data u64   0  (the slot)|
 *   +--------+--------+--------+--------+                   | obj  u64   8  (iocb *)  |
 *   |magic 16|compat20|incomp24|hdrlen28|                   | res  s64  16  (bytes or |
 *   +--------+--------+--------+--------+                   |             -errno)     |
 *   | io_event[0] ... io_event[nr - 1]  |                   | res2 s64  24            |
 *   +-----------------------------------+                   +-------------------------+
 * </pre>
 *
 * <p>The kernel stores an event, then the tail (with a write barrier); {@code io_getevents}
 * moves the head. Events are waiting exactly when {@code head != tail}. The context only
 * <em>reads</em> head and tail, as libaio does for a zero-timeout {@code io_getevents}, to
 * skip the system call and the wait when nothing is there; it consumes events only through
 * {@code io_getevents}. The layout is recognised by {@link #AIO_RING_MAGIC} and
 * {@code incompat_features == 0}; the backend's probe refuses any other.
 */
final class AioRingDescriptor {
    static final int ID_OFFSET = 0;
    static final int NR_OFFSET = ID_OFFSET + Integer.BYTES;
    static final int HEAD_OFFSET = NR_OFFSET + Integer.BYTES;
    static final int TAIL_OFFSET = HEAD_OFFSET + Integer.BYTES;
    static final int MAGIC_OFFSET = TAIL_OFFSET + Integer.BYTES;
    static final int COMPAT_FEATURES_OFFSET = MAGIC_OFFSET + Integer.BYTES;
    static final int INCOMPAT_FEATURES_OFFSET = COMPAT_FEATURES_OFFSET + Integer.BYTES;
    static final int HEADER_LENGTH_OFFSET = INCOMPAT_FEATURES_OFFSET + Integer.BYTES;
    static final int HEADER_BYTES = HEADER_LENGTH_OFFSET + Integer.BYTES;

    static final int AIO_RING_MAGIC = 0xa10a10a1;
    static final int AIO_RING_INCOMPAT_FEATURES = 0;

    static final int EVENT_DATA_OFFSET = 0;
    static final int EVENT_OBJ_OFFSET = EVENT_DATA_OFFSET + Long.BYTES;
    static final int EVENT_RES_OFFSET = EVENT_OBJ_OFFSET + Long.BYTES;
    static final int EVENT_RES2_OFFSET = EVENT_RES_OFFSET + Long.BYTES;
    static final int IO_EVENT_BYTES = EVENT_RES2_OFFSET + Long.BYTES;

    static {
        assert HEADER_BYTES == 32 : "struct aio_ring header is 32 bytes";
        assert IO_EVENT_BYTES == 32 && EVENT_RES_OFFSET == 16 : "struct io_event layout";
    }

    private AioRingDescriptor() {
    }
}
