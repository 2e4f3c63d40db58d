package dev.keel.wal.recovery;

import dev.keel.aio.Aio;
import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.DamageKind;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.SegmentFiles;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The recovery scan reads ahead (a window of 1 MiB reads), so a segment it stops reading early
 * (its header names a format version it cannot read) still has reads in flight when it moves on. On every
 * backend, the open must refuse the log with CorruptLogException, not fail on a read of a
 * file already closed (EBADF, as it did on the threads and posix backends).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ScanReadAheadTest {
    static final long SEGMENT_BYTES = 8 << 20;
    static final int PAYLOAD_BYTES = 4000;

    @TempDir
    Path dir;

    /** The real backends this machine runs. */
    static List<String> backends() {
        return Aio.availableBackends();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aScanStoppedEarlyInALargeSegmentIsRefusedCleanly(String backend) throws Exception {
        WalOptions options = WalOptions.defaults().segmentBytes(SEGMENT_BYTES).maxRecordBytes(PAYLOAD_BYTES).aioBackend(backend);
        int records = (int) (3 * SEGMENT_BYTES / PAYLOAD_BYTES);
        try (Wal wal = Wal.open(dir, options)) {
            List<CompletableFuture<Long>> acks = new ArrayList<>();
            for (int i = 0; i < records; i++) {
                acks.add(wal.appendAsync(ByteBuffer.wrap(SelfCheckingPayload.create(i, PAYLOAD_BYTES))));
            }
            for (CompletableFuture<Long> a : acks) {
                a.get(60, TimeUnit.SECONDS);
            }
        }
        LogSurgery.makeCrashed(dir);
        // Every data segment stops the scan at its header: each leaves up to 7 read-ahead reads in flight.
        for (long index = 1; index <= 3; index++) {
            LogSurgery.setFormatVersion(SegmentFiles.segmentPath(dir, index), 9);
        }
        for (RecoveryMode mode : RecoveryMode.values()) {
            CorruptLogException e = RecoveryAssertions.assertRefusedUnchanged(dir, options.recoveryMode(mode),
                DamageKind.UNKNOWN_FORMAT_VERSION);
            assertTrue(e.getMessage().contains("format version 9"), e.getMessage());
        }
    }
}
