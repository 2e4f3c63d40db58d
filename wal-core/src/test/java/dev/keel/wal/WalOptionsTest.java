package dev.keel.wal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WalOptionsTest {
    @TempDir
    Path dir;

    @Test
    void aSmallSegmentAloneWorksBecauseTheDefaultRecordLimitFollowsIt() throws IOException {
        WalOptions options = WalOptions.defaults().segmentBytes(65536);
        assertEquals(options.segmentPayloadLimit(), options.maxRecordBytes());
        try (Wal wal = Wal.open(dir, options)) {
            assertEquals(1, wal.append(new byte[options.maxRecordBytes()]));
            assertEquals(2, wal.append(new byte[10]));
            IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                () -> wal.append(new byte[options.maxRecordBytes() + 1]));
            assertTrue(tooBig.getMessage().contains("maxRecordBytes=" + options.maxRecordBytes()), tooBig.getMessage());
        }
        assertEquals(WalOptions.DEFAULT_MAX_RECORD_BYTES, WalOptions.defaults().maxRecordBytes());
    }

    @Test
    void anExplicitRecordLimitThatCannotFitASegmentIsRefusedNamingBothValues() {
        WalOptions options = WalOptions.defaults().maxRecordBytes(1 << 20).segmentBytes(65536);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Wal.open(dir, options));
        assertTrue(e.getMessage().contains("maxRecordBytes=1048576") && e.getMessage().contains("segmentBytes=65536"),
            e.getMessage());
    }

    @Test
    void aRecordLimitNeedingAnImpossibleLogBufferIsRefusedWhenTheOptionsAreBuilt() {
        WalOptions big = WalOptions.defaults().segmentBytes(WalOptions.MAX_SEGMENT_BYTES);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> big.maxRecordBytes((int) WalOptions.MAX_SEGMENT_BYTES - 8192));
        assertTrue(e.getMessage().contains("maxRecordBytes=1073733632")
            && e.getMessage().contains("MAX_LOG_BUFFER_BYTES=" + WalOptions.MAX_LOG_BUFFER_BYTES), e.getMessage());
        // The largest record it names is accepted, and its buffer fits.
        WalOptions largest = big.maxRecordBytes(WalOptions.largestRecordBytes());
        largest.validate();
        assertTrue(largest.effectiveLogBufferBytes() <= WalOptions.MAX_LOG_BUFFER_BYTES);
        assertThrows(IllegalArgumentException.class, () -> big.maxRecordBytes(WalOptions.largestRecordBytes() + 8));
        // The 1 GiB segment alone: its default record limit needs an ordinary buffer.
        big.validate();
        assertEquals(WalOptions.DEFAULT_MAX_RECORD_BYTES, big.maxRecordBytes());
    }

    @Test
    void withersCopyAndNeverChangeTheOriginal() {
        WalOptions base = WalOptions.defaults();
        WalOptions changed = base.durability(Durability.FSYNC).segmentBytes(1 << 20).maxBatchBytes(8192).maxSyncsInFlight(3)
            .logBufferBytes(1 << 20).aioBackend("threads");
        assertEquals(Durability.FDATASYNC, base.durability());
        assertEquals(WalOptions.DEFAULT_SEGMENT_BYTES, base.segmentBytes());
        assertEquals(WalOptions.DEFAULT_MAX_BATCH_BYTES, base.maxBatchBytes());
        assertEquals(null, base.aioBackend());
        assertEquals(Durability.FSYNC, changed.durability());
        assertEquals(1 << 20, changed.segmentBytes());
        assertEquals(8192, changed.maxBatchBytes());
        assertEquals(3, changed.maxSyncsInFlight());
        assertEquals(1 << 20, changed.effectiveLogBufferBytes());
        assertEquals("threads", changed.aioBackend().name());
    }
}
