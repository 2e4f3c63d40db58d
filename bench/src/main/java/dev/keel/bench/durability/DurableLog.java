package dev.keel.bench.durability;

import java.io.IOException;

/**
 * A system under test, open on its own directory: Keel, the raw limit, or a peer. It hands each
 * benchmark thread a {@link RecordWriter} holding that thread's payload, so the measured loop
 * does nothing but append.
 */
public interface DurableLog extends AutoCloseable {
    /** The system's name as the report spells it: keel, raw-limit, rocksdb, chronicle-queue, filechannel. */
    String system();

    /** How this system was made durable, in a few words for the report (what a reader needs to trust the row). */
    String durabilityNote();

    /**
     * What a returned append guarantees, in a few words for the report's {@code durable} column:
     * "on disk (...)" only when a power cut right after the return keeps the record.
     */
    String guarantee();

    /** A writer for one thread, appending records of {@code recordBytes} bytes. */
    RecordWriter writer(int recordBytes) throws IOException;

    @Override
    void close() throws IOException;

    /** One thread's appender. */
    interface RecordWriter {
        /** Appends one record and returns once it is durable in the system's strongest sense. */
        void appendDurably() throws IOException;
    }

    /** A payload of {@code bytes} bytes that no compressor shortens much (a fixed pseudo-random pattern). */
    static byte[] payload(int bytes) {
        byte[] b = new byte[bytes];
        long x = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < bytes; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[i] = (byte) x;
        }
        return b;
    }
}
