package dev.keel.bench.durability;

import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * RocksDB as users embed it for durable writes: {@code put} with {@code WriteOptions.setSync(true)}
 * and the WAL on, so each put returns once its WAL record is fsynced (RocksDB groups concurrent
 * writers into one WAL write and one sync, its own group commit). Default options otherwise.
 * Keys are a writer id and a sequence number, big-endian, so every record is a distinct key.
 */
public final class RocksDbLog implements DurableLog {
    static {
        RocksDB.loadLibrary();
    }

    private final Options options;
    private final WriteOptions writeOptions;
    private final RocksDB db;
    private final AtomicInteger writers = new AtomicInteger();

    public RocksDbLog(Path dir) throws IOException {
        options = new Options().setCreateIfMissing(true);
        writeOptions = new WriteOptions().setSync(true).setDisableWAL(false);
        try {
            db = RocksDB.open(options, dir.toString());
        } catch (RocksDBException e) {
            options.close();
            writeOptions.close();
            throw new IOException("RocksDB open of " + dir + " failed: " + e.getMessage(), e);
        }
    }

    /** True when puts are synced through the WAL; what the tests check. */
    public boolean syncsEveryPut() {
        return writeOptions.sync() && !writeOptions.disableWAL();
    }

    @Override
    public String system() {
        return "rocksdb";
    }

    @Override
    public String guarantee() {
        return "on disk (WAL fdatasync)";
    }

    @Override
    public String durabilityNote() {
        return "RocksDB " + RocksDB.rocksdbVersion() + " put with WriteOptions.setSync(true), WAL on";
    }

    @Override
    public RecordWriter writer(int recordBytes) {
        byte[] value = DurableLog.payload(recordBytes);
        ByteBuffer key = ByteBuffer.allocate(2 * Long.BYTES);
        key.putLong(0, writers.incrementAndGet());
        return new RecordWriter() {
            private long sequence;

            @Override
            public void appendDurably() throws IOException {
                key.putLong(Long.BYTES, ++sequence);
                try {
                    db.put(writeOptions, key.array(), value);
                } catch (RocksDBException e) {
                    throw new IOException("RocksDB put failed: " + e.getMessage(), e);
                }
            }
        };
    }

    @Override
    public void close() {
        db.close();
        writeOptions.close();
        options.close();
    }
}
