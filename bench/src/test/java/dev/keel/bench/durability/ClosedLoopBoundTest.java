package dev.keel.bench.durability;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClosedLoopBoundTest {
    @Test
    void nWritersGetNRecordsPerDepthOneRoundTripUntilTheBandwidthCaps() {
        // 3,700 round trips/s at depth 1, 773 MB/s at depth: the fio figures.
        assertEquals(3_700, ClosedLoopBound.recordsPerSec(1, 128, 3_700, 773), 1e-9);
        assertEquals(64 * 3_700, ClosedLoopBound.recordsPerSec(64, 128, 3_700, 773), 1e-9);
        // 64 x 4 KiB would need 970 MB/s: the bandwidth caps it.
        assertEquals(773e6 / 4096, ClosedLoopBound.recordsPerSec(64, 4096, 3_700, 773), 1e-6);
        assertEquals(773e6 / (1 << 20), ClosedLoopBound.recordsPerSec(1, 1 << 20, 3_700, 773), 1e-9);
    }

    @Test
    void aBoundOfNothingIsRefusedNamingTheValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ClosedLoopBound.recordsPerSec(0, 128, 3_700, 773));
        assertTrue(e.getMessage().contains("writers=0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClosedLoopBound.recordsPerSec(4, 128, 0, 773));
        assertThrows(IllegalArgumentException.class, () -> ClosedLoopBound.recordsPerSec(4, 128, 3_700, Double.NaN));
    }

    @Test
    void theDeviceLimitsBoundUsesTheFasterDepthOneMethodAndTheBestBandwidth() {
        DeviceLimits limits = new DeviceLimits();
        assertFalse(limits.canBound());
        limits.put(DeviceLimit.BUFFERED_4K_D1, row(3_000, 4096));
        limits.put(DeviceLimit.DIRECT_4K_D1, row(2_500, 4096));
        assertFalse(limits.canBound(), "no bandwidth measured yet");
        limits.put(DeviceLimit.DIRECT_64K_D8, row(5_000, 64 << 10));
        limits.put(DeviceLimit.DIRECT_1M_D4, row(700, 1 << 20));
        assertTrue(limits.canBound());
        assertEquals(16 * 3_000, limits.bound(16, 128), 1e-9);
        double bestMb = 700.0 * (1 << 20) / 1e6;
        assertEquals(bestMb * 1e6 / 4096, limits.bound(64, 4096), 1e-6);
    }

    private static CaseResult row(double writesPerSec, int bytes) {
        return new CaseResult(CaseResult.LIMITS, "device", null, null, 1, bytes, 1, writesPerSec, writesPerSec * bytes / 1e6, null,
            null, null, null, null, null, null, null, 1, null, null, null, null);
    }
}
