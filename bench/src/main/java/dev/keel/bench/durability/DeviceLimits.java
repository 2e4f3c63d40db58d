package dev.keel.bench.durability;

import java.util.EnumMap;
import java.util.Map;

/**
 * The device limits measured in this run (the limits section), for the other sections' ratios
 * and the closed-loop bound. Only the limits measured are present; a section asks with
 * {@link #has} before it divides.
 */
public final class DeviceLimits {
    private final Map<DeviceLimit, CaseResult> rows = new EnumMap<>(DeviceLimit.class);

    void put(DeviceLimit limit, CaseResult row) {
        rows.put(limit, row);
    }

    public boolean has(DeviceLimit limit) {
        CaseResult r = rows.get(limit);
        return r != null && r.recordsPerSec() != null && r.recordsPerSec() > 0;
    }

    /** Durable writes per second at this limit. */
    public double writesPerSec(DeviceLimit limit) {
        return rows.get(limit).recordsPerSec();
    }

    public double mbPerSec(DeviceLimit limit) {
        return rows.get(limit).mbPerSec();
    }

    /** True once the limits the closed-loop bound needs are measured. */
    public boolean canBound() {
        return (has(DeviceLimit.BUFFERED_4K_D1) || has(DeviceLimit.DIRECT_4K_D1))
            && (has(DeviceLimit.DIRECT_1M_D4) || has(DeviceLimit.DIRECT_64K_D8));
    }

    /** {@link ClosedLoopBound} for {@code writers} of {@code recordBytes} on this device; requires {@link #canBound}. */
    public double bound(int writers, int recordBytes) {
        double r1 = Math.max(rate(DeviceLimit.BUFFERED_4K_D1), rate(DeviceLimit.DIRECT_4K_D1));
        double mb = 0;
        for (DeviceLimit l : DeviceLimit.values()) {
            if (l.direct() && has(l)) {
                mb = Math.max(mb, mbPerSec(l));
            }
        }
        return ClosedLoopBound.recordsPerSec(writers, recordBytes, r1, mb);
    }

    private double rate(DeviceLimit limit) {
        return has(limit) ? writesPerSec(limit) : 0;
    }
}
