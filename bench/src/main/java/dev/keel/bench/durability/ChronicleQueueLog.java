package dev.keel.bench.durability;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;

import java.nio.file.Path;

/**
 * Chronicle Queue at its strongest setting. Its appenders write into memory-mapped files and
 * return at once; durability is asked for with {@code syncMode(SyncMode.SYNC)} on the queue
 * (msync with MS_SYNC whenever a mapped chunk is synced or released) plus
 * {@code ExcerptAppender.sync()} after every write, which msyncs the pages from the last synced
 * one up to the write position and returns when they are on disk. Without that call a record is
 * durable only whenever the kernel writes the pages back.
 *
 * <p>Chronicle appenders belong to the thread that created them, so {@link #writer} must be
 * called on the thread that will append (the benchmark's loops do). Needs the add-exports and
 * add-opens of the keel jar's manifest on Java 17.
 */
public final class ChronicleQueueLog implements DurableLog {
    static {
        // Chronicle's usage analytics would try the network at start-up; this machine has none to give.
        System.setProperty("chronicle.analytics.disable", "true");
        // Chronicle logs through SLF4J; its warnings and errors (an msync failure among them) matter, its info lines do not.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
    }

    private final SingleChronicleQueueBuilder builder;
    private final SingleChronicleQueue queue;

    public ChronicleQueueLog(Path dir) {
        builder = SingleChronicleQueueBuilder.single(dir.toFile()).syncMode(SyncMode.SYNC);
        queue = builder.build();
    }

    /** The sync mode the queue was built with; what the tests check. */
    public SyncMode syncMode() {
        return builder.syncMode();
    }

    @Override
    public String system() {
        return "chronicle-queue";
    }

    @Override
    public String guarantee() {
        return "on disk (msync)";
    }

    @Override
    public String durabilityNote() {
        return "Chronicle Queue syncMode(SYNC) and ExcerptAppender.sync() (msync MS_SYNC) after every write";
    }

    @Override
    public RecordWriter writer(int recordBytes) {
        ExcerptAppender appender = queue.createAppender();
        Bytes<?> record = Bytes.allocateDirect(recordBytes);
        record.write(DurableLog.payload(recordBytes));
        return () -> {
            appender.writeBytes(record);
            appender.sync();
        };
    }

    @Override
    public void close() {
        queue.close();
    }
}
