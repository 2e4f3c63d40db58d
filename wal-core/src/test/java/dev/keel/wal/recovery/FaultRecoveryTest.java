package dev.keel.wal.recovery;

import dev.keel.aio.Aio;
import dev.keel.aio.AioBackend;
import dev.keel.aio.AioOpcode;
import dev.keel.aio.Errno;
import dev.keel.aio.FaultInjectingBackend;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.SegmentFiles;
import dev.keel.wal.Wal;
import dev.keel.wal.WalFailedException;
import dev.keel.wal.WalOptions;
import dev.keel.wal.WalReader;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
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
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failing disk under the log, through {@link FaultInjectingBackend} around the best backend:
 * a write failing with EIO, a sync failing with EIO, ENOSPC on a write, a short write. Each
 * time the log fails stop (the append that met the fault and every later one throw
 * {@link WalFailedException}, the durable LSN stops), and reopening without the faulty backend
 * yields a consistent prefix holding every acknowledged record.
 *
 * <p>The log is created first on the plain backend (10 records, closed cleanly, 1 MiB segments)
 * so that, reopened on the faulty one, every write is one blocking append's frame and every
 * sync its barrier: the fault armed after 20 successes meets append 21 exactly. (Only the
 * committer's context is faulty: Wal opens its read and preparation contexts by the backend
 * name the faulty context reports, which is its delegate's.)
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FaultRecoveryTest {
    static final int BEFORE = 10;
    static final int SUCCESSES = 20;
    static final int PAYLOAD_BYTES = 100;

    enum Fault {
        WRITE_EIO, SYNC_EIO, WRITE_ENOSPC, SHORT_WRITE;

        FaultInjectingBackend arm(FaultInjectingBackend b) {
            return switch (this) {
                case WRITE_EIO -> b.failAfter(AioOpcode.WRITE, SUCCESSES, Errno.EIO);
                case SYNC_EIO -> b.failAfter(AioOpcode.SYNC, SUCCESSES, Errno.EIO);
                case WRITE_ENOSPC -> b.failAfter(AioOpcode.WRITE, SUCCESSES, Errno.ENOSPC);
                case SHORT_WRITE -> b.shortWriteAfter(SUCCESSES);
            };
        }
    }

    @TempDir
    Path dir;

    static WalOptions options() {
        return WalOptions.defaults().segmentBytes(1 << 20).maxRecordBytes(4096).recoveryMode(RecoveryMode.TOLERATE_CORRUPTED_TAIL);
    }

    static byte[] payload(long lsn) {
        return SelfCheckingPayload.create(lsn, PAYLOAD_BYTES);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Fault.class)
    void theLogFailsStopAndReopensWithEveryAcknowledgedRecord(Fault fault) throws Exception {
        try (Wal wal = Wal.open(dir, options())) {
            for (long lsn = 1; lsn <= BEFORE; lsn++) {
                wal.append(payload(lsn));
            }
        }
        AioBackend best = Aio.backend(Aio.availableBackends().get(0));
        FaultInjectingBackend faulty = fault.arm(new FaultInjectingBackend("faulty-" + fault, best));

        List<byte[]> acknowledged = new ArrayList<>();
        Wal wal = Wal.open(dir, options().aioBackend(faulty));
        WalFailedException failure;
        try {
            failure = assertThrows(WalFailedException.class, () -> {
                for (long lsn = BEFORE + 1; lsn <= BEFORE + 100; lsn++) {
                    assertEquals(lsn, wal.append(payload(lsn)));
                    acknowledged.add(payload(lsn));
                }
            });
            assertEquals(1, faulty.injected(), "one fault was delivered");
            assertEquals(SUCCESSES, acknowledged.size(), "the append that met the fault is the one that failed");
            long durable = wal.durableLsn();
            assertEquals(BEFORE + SUCCESSES, durable, "durable up to the last acknowledged record");
            checkMessage(fault, failure, dir);
            for (int i = 0; i < 3; i++) {
                WalFailedException later = assertThrows(WalFailedException.class, () -> wal.append(payload(999)));
                assertEquals(failure.getMessage(), later.getMessage(), "every later append fails with the same cause");
            }
            CompletableFuture<Long> async = wal.appendAsync(ByteBuffer.wrap(payload(998)));
            ExecutionException e = assertThrows(ExecutionException.class, () -> async.get(10, TimeUnit.SECONDS));
            assertInstanceOf(WalFailedException.class, e.getCause());
            assertThrows(WalFailedException.class, wal::sync);
            assertEquals(durable, wal.durableLsn(), "the durable LSN stops at the fault: nothing is retried");
        } finally {
            assertThrows(WalFailedException.class, wal::close, "close reports the failure");
        }
        assertFalse(Files.exists(dir.resolve(SegmentFiles.CLEAN_FILE)), "a failed log is never marked clean");
        reopenAndCheck(acknowledged);
    }

    private static void checkMessage(Fault fault, WalFailedException failure, Path dir) {
        String m = failure.getMessage();
        switch (fault) {
            case WRITE_EIO -> assertTrue(m.contains("pwrite") && m.contains("EIO"), m);
            case SYNC_EIO -> assertTrue(m.contains("fdatasync") && m.contains("EIO"), m);
            case SHORT_WRITE -> assertTrue(m.contains("short write"), m);
            case WRITE_ENOSPC -> {
                // The operator must learn where space is missing and how much one write needed.
                int frameBytes = FrameDescriptor.frameBytes(PAYLOAD_BYTES);
                assertTrue(m.contains("ENOSPC") && m.contains(dir.toString()), "names the directory: " + m);
                assertTrue(m.contains(frameBytes + " bytes"), "names the bytes needed (" + frameBytes + "): " + m);
            }
        }
    }

    /** Reopens on the plain backend: every acknowledged record is there; at most the failed one after it. */
    private void reopenAndCheck(List<byte[]> acknowledged) throws IOException {
        try (Wal wal = Wal.open(dir, options())) {
            long last = wal.lastLsn();
            long acked = BEFORE + acknowledged.size();
            assertTrue(last == acked || last == acked + 1, "last LSN " + last + " is the last acknowledged (" + acked
                + ") or the one that failed (its bytes may have landed): " + wal.recoveryReport().summary());
            try (WalReader r = wal.reader(1)) {
                for (long lsn = 1; lsn <= last; lsn++) {
                    assertTrue(r.next(), "record " + lsn);
                    assertEquals(lsn, r.lsn());
                    assertArrayEquals(payload(lsn), SelfCheckingPayload.bytes(r.payload()), "payload of " + lsn);
                }
                assertFalse(r.next());
            }
            assertEquals(last + 1, wal.append(payload(last + 1)), "appending continues after recovery");
        }
    }
}
