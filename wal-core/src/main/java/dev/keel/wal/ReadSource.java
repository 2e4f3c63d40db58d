package dev.keel.wal;

import dev.keel.aio.AioContext;

import java.util.function.LongSupplier;

/**
 * What a {@link WalReader} reads through: the segment table, a read context, how far records
 * are durable, and whether the log is still open. A writable {@link Wal} and a
 * {@link ReadOnlyWal} each make one, so readers work the same on both.
 *
 * @param skipDamage true in SKIP_ANY_CORRUPTED_RECORDS: readers step over damage recovery skipped
 */
record ReadSource(Segments segments, AioContext readContext, boolean skipDamage, LongSupplier durableLsn,
                  Runnable checkOpen) {
    /** Refuses a reader start outside {@code [first, last + 1]} (last + 1 tails the log). */
    static void checkStart(long fromLsn, long firstLsn, long lastLsn) {
        long first = Math.max(1, firstLsn);
        if (fromLsn < first || fromLsn > lastLsn + 1) {
            throw new IllegalArgumentException("fromLsn=" + fromLsn + " is outside the log: first LSN " + first + ", last LSN "
                + lastLsn + " (a reader may start at last + 1 to tail the log)");
        }
    }
}
