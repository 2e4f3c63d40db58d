package dev.keel.recovery;

import java.nio.file.Path;

/**
 * Something wrong that a scan met, with the evidence collected after it. Mutable while the
 * scan runs (its length grows until the scan resynchronises; evidence grows with every valid
 * frame after it), then read by {@link LogRecovery}.
 */
final class Finding {
    final int segmentOrdinal;
    final Path segment;
    final long segmentIndex;
    final long offsetBytes;
    long lengthBytes;
    DamageKind kind;
    final String detail;
    /** The LSN the log expected where the damage starts: the first record it may have destroyed. */
    final long blockedLsn;
    /** The highest LSN proven durable by a valid frame written after this point; 0 for none. */
    long durableEvidenceLsn;
    /** The LSN of the first valid record after the damage, or 0. */
    long resumeLsn;
    /** The last LSN of a valid clean-shutdown marker of this log, when it covers the blocked LSN; else 0. */
    long markerLastLsn;

    Finding(int segmentOrdinal, Path segment, long segmentIndex, long offsetBytes, long lengthBytes, DamageKind kind,
            String detail, long blockedLsn) {
        this.segmentOrdinal = segmentOrdinal;
        this.segment = segment;
        this.segmentIndex = segmentIndex;
        this.offsetBytes = offsetBytes;
        this.lengthBytes = lengthBytes;
        this.kind = kind;
        this.detail = detail;
        this.blockedLsn = blockedLsn;
    }

    /**
     * What proves that what the finding destroyed had been acknowledged: a later durable frame,
     * or the clean-shutdown marker. NONE means the damage can be a torn tail. A blocked LSN of 0
     * (no record expected yet) counts as proven by any later durable record.
     */
    DamageTable.Evidence evidence() {
        if (durableEvidenceLsn >= Math.max(1, blockedLsn)) {
            return DamageTable.Evidence.LATER_DURABLE_FRAME;
        }
        return markerLastLsn > 0 ? DamageTable.Evidence.CLEAN_SHUTDOWN_MARKER : DamageTable.Evidence.NONE;
    }

    Damage toDamage() {
        return new Damage(segment, offsetBytes, lengthBytes, kind, detail);
    }
}
