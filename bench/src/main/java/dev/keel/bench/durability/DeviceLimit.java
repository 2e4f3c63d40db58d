package dev.keel.bench.durability;

/**
 * The device limits the limits section measures, each one a fio job in {@code bench/README.md}:
 * durable sequential writes of one size at one queue depth into a file laid out first, with no log.
 */
public enum DeviceLimit {
    /** fio: ioengine=psync, fdatasync=1, bs=4k. Keel's FDATASYNC one-writer rows and the raw-limit rows are this. */
    BUFFERED_4K_D1(false, 4096, 1),
    /** fio: ioengine=io_uring, direct=1, sync=dsync, bs=4k, iodepth=1. DIRECT one-writer rows. */
    DIRECT_4K_D1(true, 4096, 1),
    DIRECT_4K_D4(true, 4096, 4),
    DIRECT_4K_D16(true, 4096, 16),
    DIRECT_4K_D64(true, 4096, 64),
    /** fio: bs=64k, iodepth=8. A DIRECT pipelining writer of 64 KiB records. */
    DIRECT_64K_D8(true, 64 << 10, 8),
    /** fio: bs=1m, iodepth=4: the device's durable bandwidth. */
    DIRECT_1M_D4(true, 1 << 20, 4);

    private final boolean direct;
    private final int writeBytes;
    private final int depth;

    DeviceLimit(boolean direct, int writeBytes, int depth) {
        this.direct = direct;
        this.writeBytes = writeBytes;
        this.depth = depth;
    }

    public boolean direct() {
        return direct;
    }

    public int writeBytes() {
        return writeBytes;
    }

    public int depth() {
        return depth;
    }

    /** The I/O method, as the report's mode column spells it. */
    public String method() {
        return direct ? "O_DIRECT+O_DSYNC" : "pwrite+fdatasync";
    }

    /** How the report names it: method, size and depth. */
    public String label() {
        return method() + " " + ResultTable.bytes(writeBytes) + " x" + depth;
    }
}
