package dev.keel.wal;

import dev.keel.aio.AioOpcode;
import dev.keel.aio.Errno;
import dev.keel.aio.FaultInjectingBackend;
import dev.keel.aio.threads.ThreadsBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ENOSPC at the very first segment: the log fails stop, leaves no partial segment filling the
 * disk, closes cleanly with the one original failure, says what size it needed and which option
 * lowers it, and a smaller segment size then works in the same place.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OutOfSpaceTest {
    @TempDir
    Path dir;
    private Tmpfs mounted;
    /** The failing log, closed here too when an assertion fails first: an open log keeps the mount busy. */
    private Wal opened;

    @AfterEach
    void unmount() throws Exception {
        if (opened != null) {
            try {
                opened.close();
            } catch (IOException expected) {
                // it failed; the test checks what close says
            }
        }
        if (mounted != null) {
            mounted.close();
        }
    }

    @Test
    void anInjectedEnospcAtTheFirstSegmentLeavesNoPartialFileAndCloseReportsItOnce() throws IOException {
        FaultInjectingBackend backend = new FaultInjectingBackend("enospc", new ThreadsBackend())
            .failAfter(AioOpcode.WRITE, 1, Errno.ENOSPC);
        Path log = dir.resolve("log");
        long segmentBytes = 4L << 20;
        assertFirstSegmentFailsCleanly(log, WalOptions.defaults().segmentBytes(segmentBytes).aioBackend(backend), segmentBytes);
        assertEquals(1, backend.injected());
        try (Wal wal = Wal.open(log, WalOptions.defaults().segmentBytes(segmentBytes))) {
            assertEquals(1, wal.append(new byte[100]), "the same directory works once there is space");
        }
    }

    @Test
    void aFourMebibyteFileSystemRefusesDefaultSegmentsCleanlyAndTakesSmallOnes() throws Exception {
        mounted = Tmpfs.mount(dir, "4m");
        Path mnt = mounted.path();
        long freeBefore = Files.getFileStore(mnt).getUsableSpace();
        try (Wal idle = Wal.open(mnt)) {
            assertEquals(0, idle.lastLsn()); // the first segment is being prepared (and fails) in the background
        } // closing an empty log writes nothing, so a full disk does not make it fail
        assertEquals(List.of(), names(mnt, ".prep"));
        assertFirstSegmentFailsCleanly(mnt, WalOptions.defaults(), WalOptions.DEFAULT_SEGMENT_BYTES);
        long freeAfter = Files.getFileStore(mnt).getUsableSpace();
        assertTrue(freeBefore - freeAfter < 64 << 10, "the failed preparation gave its space back: " + freeBefore
            + " bytes free before, " + freeAfter + " after");
        try (Wal wal = Wal.open(mnt, WalOptions.defaults().segmentBytes(1 << 20))) {
            for (int i = 1; i <= 100; i++) {
                assertEquals(i, wal.append(new byte[1000]));
            }
        }
        try (Wal wal = Wal.open(mnt, WalOptions.defaults().segmentBytes(1 << 20))) {
            assertEquals(100, wal.lastLsn());
        }
    }

    @Test
    void anAllocatedOnlySegmentThatDoesNotFitFailsAtFallocateJustAsCleanly() throws Exception {
        mounted = Tmpfs.mount(dir, "4m");
        Path mnt = mounted.path();
        WalOptions allocateOnly = WalOptions.defaults().zeroFillSegments(false);
        String message = assertFirstSegmentFailsCleanly(mnt, allocateOnly, WalOptions.DEFAULT_SEGMENT_BYTES);
        assertTrue(message.contains("fallocate"), "the allocation, not a zero write, met the full disk: " + message);
        try (Wal wal = Wal.open(mnt, allocateOnly.segmentBytes(1 << 20))) {
            for (int i = 1; i <= 100; i++) {
                assertEquals(i, wal.append(new byte[1000]));
            }
        }
    }

    private String assertFirstSegmentFailsCleanly(Path log, WalOptions options, long segmentBytes) throws IOException {
        Wal wal = Wal.open(log, options);
        opened = wal;
        WalFailedException appendFailure = assertThrows(WalFailedException.class, () -> wal.append(new byte[100]));
        String message = appendFailure.getMessage();
        assertTrue(message.contains("ENOSPC") && message.contains("needs " + segmentBytes + " bytes")
            && message.contains("WalOptions.segmentBytes"), message);
        assertFalse(message.contains("truncateBefore"), "an empty log has nothing to truncate: " + message);
        WalFailedException closeFailure = assertThrows(WalFailedException.class, wal::close);
        assertSame(rootCause(appendFailure), rootCause(closeFailure), "close reports the original failure");
        assertDoesNotThrow(wal::close, "reported once");
        assertEquals(List.of(), names(log, ".prep"), "a failed preparation removes its partial file");
        assertEquals(List.of(), names(log, ".seg"), "no segment was made");
        return message;
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    private static List<String> names(Path d, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).toList();
        }
    }
}
