package dev.keel.wal;

import dev.keel.aio.AioBackend;
import dev.keel.aio.AioContext;
import dev.keel.aio.ForwardingAioBackend;
import dev.keel.aio.ForwardingAioContext;
import dev.keel.aio.ForwardingStorage;
import dev.keel.aio.Storage;
import dev.keel.aio.threads.ThreadsBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A truncation that fails after it stopped the committer fails the log, stop: the committer is not
 * coming back, so close (which would otherwise wait for its commit marker to become durable)
 * returns, every later append fails with the cause, and reopening recovers the log from disk.
 * Found: close hung forever after truncateAfter threw.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang (close ignores interrupts) fails the test, not the build
class TruncationFailureTest {
    @TempDir
    Path dir;

    @Test
    void closeReturnsAfterTruncateAfterFailedWithTheCommitterStopped() throws Exception {
        FailingRenameBackend backend = new FailingRenameBackend(new ThreadsBackend());
        Wal wal = openWithRecords(backend);
        backend.armed = true; // the cut copy's rename over the segment fails: after the committer stopped
        IOException cause = assertThrows(IOException.class, () -> wal.truncateAfter(10));
        assertTrue(cause.getMessage().contains("planted"), cause.getMessage());
        WalFailedException closed = assertThrows(WalFailedException.class, wal::close, "close returns, saying the log failed");
        assertTrue(closed.getMessage().contains("planted"), closed.getMessage());
        backend.armed = false;
        assertReopensWithRecordsUpTo(10, backend);
    }

    @Test
    void anAppendAfterAFailedTruncateAfterFailsWithItsCause() throws Exception {
        FailingRenameBackend backend = new FailingRenameBackend(new ThreadsBackend());
        Wal wal = openWithRecords(backend);
        backend.armed = true;
        assertThrows(IOException.class, () -> wal.truncateAfter(10));
        WalFailedException later = assertThrows(WalFailedException.class, () -> wal.append(new byte[8]));
        assertTrue(later.getMessage().contains("planted"), "later appends fail with the cause: " + later.getMessage());
        assertThrows(WalFailedException.class, wal::close);
        backend.armed = false;
        assertReopensWithRecordsUpTo(10, backend);
    }

    private Wal openWithRecords(FailingRenameBackend backend) throws IOException {
        Wal wal = Wal.open(dir, options(backend));
        for (int i = 1; i <= 20; i++) {
            assertEquals(i, wal.append(WalBasicsTest.payload(i, 1000)));
        }
        return wal;
    }

    private static WalOptions options(FailingRenameBackend backend) {
        return WalOptions.defaults().segmentBytes(64 << 10).maxRecordBytes(4096).aioBackend(backend);
    }

    /** The failed truncation changed nothing it had not finished: at least every record up to its LSN is back, intact. */
    private void assertReopensWithRecordsUpTo(long lsn, FailingRenameBackend backend) throws IOException {
        try (Wal reopened = Wal.open(dir, options(backend))) {
            assertTrue(reopened.lastLsn() >= lsn, "every record up to the truncation point is there: " + reopened.lastLsn());
            for (long l = 1; l <= reopened.lastLsn(); l++) {
                assertArrayEquals(WalBasicsTest.payload(l, 1000), reopened.read(l), "LSN " + l);
            }
        }
    }

    /** Runs on {@code delegate}, but when armed, a rename over an existing file (truncateAfter's commit point) fails. */
    static final class FailingRenameBackend extends ForwardingAioBackend {
        volatile boolean armed;
        private final Storage storage;

        FailingRenameBackend(AioBackend delegate) {
            super("failing-rename", delegate);
            Storage real = delegate.storage();
            this.storage = new ForwardingStorage(real) {
                @Override
                public void rename(Path from, Path to) throws IOException {
                    if (armed && delegate.exists(to)) {
                        throw new IOException("planted: rename " + from + " -> " + to + " failed");
                    }
                    delegate.rename(from, to);
                }
            };
        }

        @Override
        public Storage storage() {
            return storage;
        }

        @Override
        protected AioContext wrap(AioContext opened) {
            return new ForwardingAioContext(opened) {
                @Override
                public Storage storage() {
                    return storage;
                }
            };
        }
    }
}
