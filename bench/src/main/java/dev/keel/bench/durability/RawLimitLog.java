package dev.keel.bench.durability;

import java.io.IOException;
import java.nio.file.Path;

/** The raw limit ({@link RawSyncFile}) as a system: one writer only, as the limit is defined for one. */
public final class RawLimitLog implements DurableLog {
    private final Path dir;
    private RawSyncFile file;

    public RawLimitLog(Path dir) {
        this.dir = dir;
    }

    @Override
    public String system() {
        return "raw-limit";
    }

    @Override
    public String durabilityNote() {
        return "pwrite + fdatasync per record through JNA, zero-filled preallocated file, no log";
    }

    @Override
    public RecordWriter writer(int recordBytes) throws IOException {
        if (file != null) {
            throw new IllegalStateException("the raw limit is measured with one writer; a second was asked for");
        }
        RawSyncFile f = RawSyncFile.create(dir.resolve("raw-limit.dat"), recordBytes);
        file = f;
        return f::writeAndSync;
    }

    @Override
    public void close() {
        if (file != null) {
            file.close();
        }
    }
}
