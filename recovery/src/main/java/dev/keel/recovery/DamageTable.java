package dev.keel.recovery;

import dev.keel.recovery.format.FrameDescriptor;

/**
 * What each recovery mode does with each finding: the decision table, in one place.
 *
 * <p>Every finding is first placed: <b>tail</b> when nothing after it proves it was ever
 * durable (no later valid frame of this log was written after it had been synced, see
 * {@link FrameDescriptor}'s {@code unsyncedSpan}; a torn multi-page write can leave later pages
 * of the same unsynced batch intact, and those were never acknowledged either), <b>mid-log</b>
 * when something after it does. A tail holds only unacknowledged data; mid-log damage may hold
 * acknowledged records and is never treated as a torn tail.
 *
 * <pre>
 * | finding                              | TOLERATE_   | ABSOLUTE_   | POINT_IN_   | SKIP_ANY_   |
 * |                                      | CORRUPTED_  | CONSISTENCY | TIME        | CORRUPTED_  |
 * |                                      | TAIL        |             |             | RECORDS     |
 * |--------------------------------------|-------------|-------------|-------------|-------------|
 * | T1 zeros after the last valid frame  | end of log  | end of log  | end of log  | end of log  |
 * | T2 torn header / payload at the tail | CUT         | THROW       | CUT         | CUT         |
 * | T3 bad CRC, stale, foreign, zeroed,  | CUT         | THROW       | CUT         | CUT         |
 * |    bad segment header at the tail    |             |             |             |             |
 * | T4 hole before a later DIRECT batch  | CUT         | THROW       | CUT         | CUT         |
 * |    whose frames' span shows it       |             |             |             |             |
 * |    unsynced (both unacknowledged)    |             |             |             |             |
 * | M1 bad CRC, valid durable frames     | THROW       | THROW       | CUT         | SKIP        |
 * |    after it                          |             |             |             |             |
 * | M2 zeroed range mid-log              | THROW       | THROW       | CUT         | SKIP        |
 * |    (also a hole before a frame       |             |             |             |             |
 * |    written after it was durable)     |             |             |             |             |
 * | M3 stale or foreign frame mid-log    | THROW       | THROW       | CUT         | SKIP        |
 * | M4 LSN gap, missing middle segment   | THROW       | THROW       | CUT         | SKIP        |
 * | M5 bad segment header mid-log        | THROW       | THROW       | CUT         | SKIP        |
 * | M6 unknown record type (not          | THROW       | THROW       | CUT         | SKIP        |
 * |    skippable) mid-log                |             |             |             |             |
 * | V  unknown format version, anywhere  | THROW       | THROW       | THROW       | THROW       |
 * </pre>
 *
 * CUT: the log ends just before the finding; the cut bytes and any later segments are moved
 * to {@code quarantine/} and reported, never deleted. SKIP: the damaged bytes are stepped over,
 * every valid record is kept, and the LSNs lost are reported as a gap.
 */
public final class DamageTable {
    /** What recovery does with one finding. */
    public enum Action {
        CUT,
        THROW,
        SKIP
    }

    private DamageTable() {
    }

    public static Action decide(RecoveryMode mode, DamageKind kind, boolean atTail) {
        if (kind == DamageKind.UNKNOWN_FORMAT_VERSION) {
            return Action.THROW;
        }
        if (atTail) {
            return mode == RecoveryMode.ABSOLUTE_CONSISTENCY ? Action.THROW : Action.CUT;
        }
        return switch (mode) {
            case TOLERATE_CORRUPTED_TAIL, ABSOLUTE_CONSISTENCY -> Action.THROW;
            case POINT_IN_TIME -> Action.CUT;
            case SKIP_ANY_CORRUPTED_RECORDS -> Action.SKIP;
        };
    }
}
