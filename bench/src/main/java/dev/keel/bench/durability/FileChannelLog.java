package dev.keel.bench.durability;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The log people write by hand: one {@code FileChannel} opened for append, and under a lock a
 * write of the record followed by {@code force(false)} (fdatasync). No preallocation, no
 * batching: every record pays one sync, and concurrent writers queue on the lock.
 */
public final class FileChannelLog implements DurableLog {
    private final FileChannel channel;
    private final Object lock = new Object();
    private long forces;

    public FileChannelLog(Path dir) throws IOException {
        channel = FileChannel.open(dir.resolve("log.dat"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
    }

    /** How many times the channel was forced; what the tests check against the records written. */
    public long forces() {
        synchronized (lock) {
            return forces;
        }
    }

    @Override
    public String system() {
        return "filechannel";
    }

    @Override
    public String guarantee() {
        return "on disk (fdatasync)";
    }

    @Override
    public String durabilityNote() {
        return "FileChannel write + force(false) per record under a lock, file opened for append";
    }

    @Override
    public RecordWriter writer(int recordBytes) {
        ByteBuffer record = ByteBuffer.allocateDirect(recordBytes);
        record.put(DurableLog.payload(recordBytes)).flip();
        return () -> {
            synchronized (lock) {
                record.rewind();
                while (record.hasRemaining()) {
                    channel.write(record);
                }
                channel.force(false);
                forces++;
            }
        };
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
