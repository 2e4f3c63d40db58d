package dev.keel.bench.durability;

import dev.keel.wal.Durability;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Keel through its public API: blocking {@code Wal.append(ByteBuffer)} from a direct buffer (no copy, no allocation). */
public final class KeelLog implements DurableLog {
    private final Wal wal;
    private final Durability durability;

    public KeelLog(Path dir, Durability durability, String backend) throws IOException {
        this.durability = durability;
        this.wal = Wal.open(dir, WalOptions.defaults().durability(durability).aioBackend(backend));
    }

    public Wal wal() {
        return wal;
    }

    @Override
    public String system() {
        return "keel";
    }

    @Override
    public String durabilityNote() {
        return "Wal.append returns once durable (" + durability + ")";
    }

    @Override
    public String guarantee() {
        return guarantee(durability);
    }

    /** What a returned {@code Wal.append} guarantees in {@code mode}. */
    static String guarantee(Durability mode) {
        return switch (mode) {
            case NONE -> "page cache only";
            case FDATASYNC -> "on disk (fdatasync)";
            case FSYNC -> "on disk (fsync)";
            case OPEN_DSYNC -> "on disk (O_DSYNC)";
            case OPEN_SYNC -> "on disk (O_SYNC)";
        };
    }

    @Override
    public RecordWriter writer(int recordBytes) {
        ByteBuffer record = directPayload(recordBytes);
        return () -> wal.append(record);
    }

    /** A direct buffer holding {@link DurableLog#payload}: what Keel appends without a copy to the heap. */
    public static ByteBuffer directPayload(int recordBytes) {
        ByteBuffer b = ByteBuffer.allocateDirect(recordBytes);
        b.put(DurableLog.payload(recordBytes)).flip();
        return b;
    }

    @Override
    public void close() throws IOException {
        wal.close();
    }
}
