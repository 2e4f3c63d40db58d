package dev.keel.wal.recovery;

import dev.keel.recovery.RecoveryMode;
import dev.keel.wal.Durability;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A log written once per test class and copied for every case: records of one fixed payload size
 * (so that frames can be moved from slot to slot), appended one by one with blocking appends
 * under FDATASYNC (so that every frame carries the evidence that the one before it was durable),
 * then left as a crash leaves it.
 *
 * @param dir where the template lies; never opened by a test
 * @param records how many records, LSN 1 to {@code records}
 * @param payloadBytes every payload's size
 * @param seedBase payload {@code lsn} is {@code SelfCheckingPayload.create(seedBase + lsn, payloadBytes)}
 * @param aioBackend the backend every open of a copy uses; null for the best one. Sweeps of
 *     hundreds of opens choose "threads": closing a linux-aio context (io_destroy) waits for an
 *     RCU grace period, measured at ~30 ms here, and a Wal holds three contexts.
 */
record TemplateLog(Path dir, long segmentBytes, int records, int payloadBytes, long seedBase, String aioBackend) {
    static TemplateLog write(Path dir, long segmentBytes, int records, int payloadBytes, long seedBase) throws IOException {
        return write(dir, segmentBytes, records, payloadBytes, seedBase, null);
    }

    static TemplateLog write(Path dir, long segmentBytes, int records, int payloadBytes, long seedBase, String aioBackend)
        throws IOException {
        TemplateLog t = new TemplateLog(dir, segmentBytes, records, payloadBytes, seedBase, aioBackend);
        try (Wal wal = Wal.open(dir, t.options(RecoveryMode.TOLERATE_CORRUPTED_TAIL).durability(Durability.FDATASYNC))) {
            for (long lsn = 1; lsn <= records; lsn++) {
                long got = wal.append(t.payload(lsn));
                if (got != lsn) {
                    throw new IllegalStateException("template append got LSN " + got + ", expected " + lsn);
                }
            }
        }
        LogSurgery.makeCrashed(dir);
        return t;
    }

    WalOptions options(RecoveryMode mode) {
        return WalOptions.defaults().segmentBytes(segmentBytes).maxRecordBytes(8192).recoveryMode(mode).aioBackend(aioBackend);
    }

    byte[] payload(long lsn) {
        return SelfCheckingPayload.create(seedBase + lsn, payloadBytes);
    }

    /** A fresh copy of the template in {@code target} (created; must not exist or be empty). */
    Path copyTo(Path target) throws IOException {
        Files.createDirectories(target);
        LogSurgery.copyDir(dir, target);
        return target;
    }
}
