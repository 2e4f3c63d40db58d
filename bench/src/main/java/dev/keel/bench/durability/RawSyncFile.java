package dev.keel.bench.durability;

import dev.keel.aio.internal.LibC;
import org.agrona.BufferUtil;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The raw limit for one writer: a {@code pwrite} plus {@code fdatasync} loop through JNA on a
 * file pre-filled with zeros (the fastest setting measured on these disks: no block allocation,
 * no size change to sync), with no log at all. Keel's one-writer rows are divided by this rate.
 * Used by {@code keel bench} and by {@code WalBenchmark.rawPwriteFdatasync}, so both measure
 * the same thing. Writes wrap around within the file. One thread at a time.
 */
public final class RawSyncFile implements AutoCloseable {
    /** Big enough that wrapping around stays rare, small enough to zero-fill in well under a second. */
    public static final long FILE_BYTES = 64L << 20;
    private static final int ZERO_CHUNK_BYTES = 1 << 20;
    private static final int ALIGNMENT_BYTES = 4096;

    private final int fd;
    private final int writeBytes;
    private final ByteBuffer buffer;
    private final long address;
    private long offsetBytes;

    private RawSyncFile(int fd, int writeBytes) {
        this.fd = fd;
        this.writeBytes = writeBytes;
        this.buffer = BufferUtil.allocateDirectAligned(writeBytes, ALIGNMENT_BYTES);
        this.address = BufferUtil.address(buffer);
        buffer.put(DurableLog.payload(writeBytes)).clear();
    }

    /** Creates {@code file}, fills it with zeros durably, and opens it for the loop. */
    public static RawSyncFile create(Path file, int writeBytes) throws IOException {
        if (writeBytes < 1 || FILE_BYTES % writeBytes != 0) {
            throw new IllegalArgumentException("writeBytes=" + writeBytes + " must divide " + FILE_BYTES);
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] zeros = new byte[ZERO_CHUNK_BYTES];
            for (long at = 0; at < FILE_BYTES; at += zeros.length) {
                f.write(zeros);
            }
            f.getFD().sync();
        }
        int fd = LibC.open(file.toString(), LibC.O_RDWR | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("open " + file + " failed: errno " + LibC.errno());
        }
        return new RawSyncFile(fd, writeBytes);
    }

    /** One write of {@code writeBytes} plus fdatasync; returns once both are done. Allocation-free. */
    public void writeAndSync() throws IOException {
        long n = LibC.pwrite(fd, address, writeBytes, offsetBytes);
        if (n != writeBytes || LibC.fdatasync(fd) != 0) {
            throw new IOException("raw pwrite+fdatasync of " + writeBytes + " bytes at " + offsetBytes + " failed: errno "
                + LibC.errno());
        }
        offsetBytes = (offsetBytes + writeBytes) % FILE_BYTES;
    }

    public int writeBytes() {
        return writeBytes;
    }

    @Override
    public void close() {
        LibC.close(fd);
    }
}
