package dev.keel.bench.durability.artemis;

import dev.keel.bench.durability.DurableLog;
import org.apache.activemq.artemis.core.io.SequentialFileFactory;
import org.apache.activemq.artemis.core.io.aio.AIOSequentialFileFactory;
import org.apache.activemq.artemis.core.io.mapped.MappedSequentialFileFactory;
import org.apache.activemq.artemis.core.io.nio.NIOSequentialFileFactory;
import org.apache.activemq.artemis.core.journal.impl.JournalImpl;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ActiveMQ Artemis's journal as a broker runs it, through one of its three file factories, every
 * append {@code appendAddRecord(id, type, record, sync = true)}: the call returns once the
 * journal's timed buffer holding the record was written and synced (the factory's datasync on),
 * which is how the broker persists a durable message. Concurrent appends share a buffer flush:
 * Artemis's own group commit. The broker's defaults otherwise: 10 MiB files, 2 at least, a
 * 490 KiB buffer, at most 4096 AIO writes in flight (NIO and MAPPED: 1).
 *
 * <p>Loaded by {@code ArtemisLoader} (so that ASYNCIO finds its native library), used by the
 * bench through {@link DurableLog}; its constructor is found by reflection.
 */
public final class ArtemisJournal implements DurableLog {
    static final int FILE_BYTES = 10 << 20;
    static final int MIN_FILES = 2;
    static final int POOL_FILES = 10;
    static final int BUFFER_BYTES = 490 << 10;
    static final int MAX_AIO = 4096;
    private static final byte RECORD_TYPE = 1;

    private final String kind;
    private final JournalImpl journal;
    private final AtomicLong ids = new AtomicLong();
    private final int recordsLoaded;

    /**
     * @param kind NIO, MAPPED or ASYNCIO
     * @param bufferTimeoutNs how long the timed buffer gathers records before it writes and syncs them
     */
    public ArtemisJournal(Path dir, String kind, int bufferTimeoutNs) throws IOException {
        this.kind = kind;
        File d = dir.toFile();
        SequentialFileFactory factory = switch (kind) {
            case "NIO" -> new NIOSequentialFileFactory(d, true, BUFFER_BYTES, bufferTimeoutNs, 1, false);
            case "MAPPED" -> new MappedSequentialFileFactory(d, FILE_BYTES, true, BUFFER_BYTES, bufferTimeoutNs, null);
            case "ASYNCIO" -> {
                if (!AIOSequentialFileFactory.isSupported(d)) {
                    throw new IOException("Artemis ASYNCIO is not supported in " + dir + " (native library or O_DIRECT missing)");
                }
                yield new AIOSequentialFileFactory(d, BUFFER_BYTES, bufferTimeoutNs, MAX_AIO, false);
            }
            default -> throw new IllegalArgumentException("Artemis journal type " + kind + ": choose NIO, MAPPED or ASYNCIO");
        };
        factory.setDatasync(true);
        journal = new JournalImpl(FILE_BYTES, MIN_FILES, POOL_FILES, 0, 0, factory, "keel-bench", "amq",
            kind.equals("ASYNCIO") ? MAX_AIO : 1);
        try {
            journal.start();
            recordsLoaded = journal.loadInternalOnly().getNumberOfRecords();
        } catch (Exception e) {
            throw new IOException("Artemis " + kind + " journal failed to start in " + dir + ": " + e, e);
        }
    }

    /** Records the journal held when it was opened (what the tests read back after a reopen). */
    public int recordsLoaded() {
        return recordsLoaded;
    }

    /** True when the factory syncs data before an append with sync=true returns; what the tests check. */
    public boolean syncs() {
        return journal.getFileFactory().isDatasync();
    }

    @Override
    public String system() {
        return "artemis-" + kind.toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String guarantee() {
        return switch (kind) {
            case "MAPPED" -> "on disk (msync)";
            case "ASYNCIO" -> "on disk (fdatasync)";
            default -> "on disk (force)";
        };
    }

    @Override
    public String durabilityNote() {
        return "Artemis journal " + kind + " factory, datasync on, appendAddRecord(sync=true) returns once its timed buffer "
            + "is written and synced";
    }

    @Override
    public RecordWriter writer(int recordBytes) {
        byte[] record = DurableLog.payload(recordBytes);
        return () -> {
            try {
                journal.appendAddRecord(ids.incrementAndGet(), RECORD_TYPE, record, true);
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("Artemis " + kind + " append failed: " + e, e);
            }
        };
    }

    @Override
    public void close() throws IOException {
        try {
            journal.stop();
        } catch (Exception e) {
            throw new IOException("Artemis " + kind + " journal failed to stop: " + e, e);
        }
    }
}
