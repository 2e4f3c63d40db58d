package dev.keel.wal;

import dev.keel.aio.AioOpcode;
import dev.keel.aio.Errno;
import dev.keel.aio.FaultInjectingBackend;
import dev.keel.aio.threads.ThreadsBackend;
import dev.keel.recovery.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failed sync or write stops the log: nothing after it is acknowledged, nothing is retried,
 * and reopening recovers a prefix holding every acknowledged record.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FailStopTest {
    @TempDir
    Path dir;

    private WalOptions faulty(FaultInjectingBackend backend) {
        return WalOptions.defaults().segmentBytes(128 << 10).maxRecordBytes(4096).aioBackend(backend);
    }

    @Test
    void aFailedSyncFailsEveryLaterAppendAndTheLogReopensWithEveryAcknowledgedRecord() throws Exception {
        FaultInjectingBackend backend = new FaultInjectingBackend("faulty-sync", new ThreadsBackend())
            .failAfter(AioOpcode.SYNC, 20, Errno.EIO);
        List<byte[]> acknowledged = new ArrayList<>();
        WalFailedException failure;
        Wal wal = Wal.open(dir, faulty(backend));
        try {
            failure = assertThrows(WalFailedException.class, () -> {
                for (int i = 0; i < 10_000; i++) {
                    byte[] p = WalBasicsTest.payload(i + 1, 64);
                    assertEquals(i + 1, wal.append(p));
                    acknowledged.add(p);
                }
            });
            assertEquals(1, backend.injected());
            assertTrue(failure.getMessage().contains("EIO") && failure.getMessage().contains("fdatasync"), failure.getMessage());
            long durableAtFailure = wal.durableLsn();
            assertEquals(acknowledged.size(), durableAtFailure, "acknowledged exactly what was durable before the fault");
            assertThrows(WalFailedException.class, () -> wal.append(new byte[1]), "appends after the fault fail at once");
            CompletableFuture<Long> f = wal.appendAsync(ByteBuffer.wrap(new byte[1]));
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof WalFailedException);
            assertEquals(durableAtFailure, wal.durableLsn(), "the durable LSN never moves after a failure (no retry)");
        } finally {
            assertThrows(WalFailedException.class, wal::close, "close reports the failure");
        }
        assertFalse(Files.exists(dir.resolve(SegmentFiles.CLEAN_FILE)), "a failed log is never marked clean");
        try (Wal reopened = Wal.open(dir, WalOptions.defaults().segmentBytes(128 << 10).maxRecordBytes(4096))) {
            assertTrue(reopened.lastLsn() >= acknowledged.size(), reopened.recoveryReport().summary());
            try (WalReader r = reopened.reader(1)) {
                for (byte[] expected : acknowledged) {
                    assertTrue(r.next());
                    assertArrayEquals(expected, WalBasicsTest.bytes(r.payload()));
                }
            }
            assertEquals(reopened.lastLsn() + 1, reopened.append(new byte[] {1}), "appending continues after recovery");
        }
    }

    @Test
    void aShortWriteIsAFailureNamingTheBytes() throws Exception {
        FaultInjectingBackend backend = new FaultInjectingBackend("faulty-short", new ThreadsBackend()).shortWriteAfter(5);
        Wal wal = Wal.open(dir, faulty(backend));
        try {
            WalFailedException e = assertThrows(WalFailedException.class, () -> {
                for (int i = 0; i < 1000; i++) {
                    wal.append(new byte[100]);
                }
            });
            assertTrue(e.getMessage().contains("short write"), e.getMessage());
        } finally {
            assertThrows(WalFailedException.class, wal::close);
        }
    }

    @Test
    void enospcOnAWriteSaysNoSpace() throws Exception {
        FaultInjectingBackend backend = new FaultInjectingBackend("faulty-nospc", new ThreadsBackend())
            .failAfter(AioOpcode.WRITE, 3, Errno.ENOSPC);
        Wal wal = Wal.open(dir, faulty(backend));
        try {
            WalFailedException e = assertThrows(WalFailedException.class, () -> {
                for (int i = 0; i < 1000; i++) {
                    wal.append(new byte[100]);
                }
            });
            assertTrue(e.getMessage().contains("ENOSPC") && e.getMessage().contains(dir.toString()), e.getMessage());
        } finally {
            assertThrows(WalFailedException.class, wal::close);
        }
    }
}
