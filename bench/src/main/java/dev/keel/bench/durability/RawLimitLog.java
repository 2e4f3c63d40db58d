package dev.keel.bench.durability;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The raw limit ({@link RawSyncFile}) as a system, defined for one writer: every call of
 * {@link #writer} (one per interleaved round) hands out the same file, continuing where the last
 * round stopped; the benchmark never runs it with more than one thread.
 */
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
    public String guarantee() {
        return "on disk (fdatasync)";
    }

    @Override
    public String durabilityNote() {
        return "pwrite + fdatasync per record through JNA, zero-filled preallocated file, no log";
    }

    @Override
    public RecordWriter writer(int recordBytes) throws IOException {
        if (file == null) {
            file = RawSyncFile.create(dir.resolve("raw-limit.dat"), recordBytes);
        } else if (file.writeBytes() != recordBytes) {
            throw new IllegalStateException("the raw limit's file writes " + file.writeBytes() + " bytes; " + recordBytes
                + " were asked for");
        }
        return file::writeAndSync;
    }

    @Override
    public void close() {
        if (file != null) {
            file.close();
        }
    }
}
