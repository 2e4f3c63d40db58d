package dev.keel.bench.durability;

import dev.keel.wal.Durability;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Keel through its public API: blocking {@code Wal.append(ByteBuffer)} from a direct buffer (no
 * copy, no allocation).
 *
 * <p>A new log's first segment is zero-filled and synced in the background, starting at
 * {@code Wal.open}; the first append waits for it (64 MiB: 60 to 300 ms on the project's
 * disk). That wait is what made almost every Keel row of {@code keel bench --quick} show a p999
 * of 60 to 207 ms (issue 10): with a warm-up shorter than the zero-fill, the first append
 * completed inside the measuring window. The peers make their files when they open (Artemis
 * fills its journal files at start), so this class makes that first append when it opens the log,
 * before anything is timed, and keeps how long it took: {@link #firstAppendNs}. The report
 * prints it beside Keel's rows, so it is shown, not hidden. The record written is an ordinary
 * record of the log.
 */
public final class KeelLog implements DurableLog {
    private final Wal wal;
    private final String system;
    /** Segments opened O_DIRECT (WalOptions.directIo). */
    private final boolean directIo;
    private final Durability durability;
    private final long firstAppendNs;

    public KeelLog(Path dir, Durability durability, String backend) throws IOException {
        this(dir, WalOptions.defaults().durability(durability).aioBackend(backend), durability);
    }

    /** A log opened with {@code options} (whose durability is {@code durability}): the DIRECT rows' options. */
    public KeelLog(Path dir, WalOptions options, Durability durability) throws IOException {
        this("keel", dir, options, durability);
    }

    /** As above, named {@code system} in the report (a second Keel row of one table, "keel-dsync"). */
    public KeelLog(String system, Path dir, WalOptions options, Durability durability) throws IOException {
        this.system = system;
        this.directIo = options.directIo();
        this.durability = durability;
        this.wal = Wal.open(dir, options);
        long start = System.nanoTime();
        try {
            wal.append(directPayload(1));
        } catch (IOException | RuntimeException e) {
            wal.close();
            throw e;
        }
        firstAppendNs = System.nanoTime() - start;
        FirstAppends.record(firstAppendNs);
    }

    /** How long the log's first append took (made at open: it waits for the first segment to be prepared). */
    public long firstAppendNs() {
        return firstAppendNs;
    }

    public Wal wal() {
        return wal;
    }

    @Override
    public String system() {
        return system;
    }

    @Override
    public String durabilityNote() {
        return "Wal.append returns once durable (" + durability + (directIo ? ", O_DIRECT segments" : "") + ")";
    }

    @Override
    public String guarantee() {
        return directIo && durability == Durability.OPEN_DSYNC ? "on disk (O_DIRECT+O_DSYNC)" : guarantee(durability);
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
