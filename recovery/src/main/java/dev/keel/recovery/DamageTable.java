package dev.keel.recovery;

import dev.keel.recovery.format.FrameDescriptor;

/**
 * What each recovery mode does with each finding: the decision table, in one place.
 *
 * <p>Every finding is first placed by its {@link Evidence}: <b>tail</b> when nothing proves
 * it was ever durable (no later valid frame of this log was written after it had been synced, see
 * {@link FrameDescriptor}'s {@code unsyncedSpan}; a torn multi-page write can leave later pages
 * of the same unsynced batch intact, and those were never acknowledged either; and no valid
 * clean-shutdown marker, {@code keel.clean}, names an LSN at or after it), <b>mid-log</b> when
 * something does. A tail holds only unacknowledged data; mid-log damage may hold acknowledged
 * records and is never treated as a torn tail. The marker is the proof a clean close leaves: every
 * record up to its last LSN was acknowledged and durable, so damage below it (the end of the last
 * segment cut off, its last records zeroed, the last segment gone) is corruption in every mode.
 *
 * <pre>
 * | finding                              | evidence | TOLERATE_   | ABSOLUTE_   | POINT_IN_   | SKIP_ANY_   |
 * |                                      |          | CORRUPTED_  | CONSISTENCY | TIME        | CORRUPTED_  |
 * |                                      |          | TAIL        |             |             | RECORDS     |
 * |--------------------------------------|----------|-------------|-------------|-------------|-------------|
 * | T1 zeros after the last valid frame  | NONE     | end of log  | end of log  | end of log  | end of log  |
 * | T2 torn header / payload at the tail | NONE     | CUT         | THROW       | CUT         | CUT         |
 * | T3 bad CRC, stale, foreign, zeroed,  | NONE     | CUT         | THROW       | CUT         | CUT         |
 * |    bad segment header at the tail    |          |             |             |             |             |
 * | T4 hole before a later DIRECT batch  | NONE     | CUT         | THROW       | CUT         | CUT         |
 * |    whose frames' span shows it       |          |             |             |             |             |
 * |    unsynced (both unacknowledged)    |          |             |             |             |             |
 * | C1 torn or bad frame at the end,     | MARKER   | THROW       | THROW       | CUT         | SKIP        |
 * |    below keel.clean's last LSN       |          |             |             |             |             |
 * | C2 the log ends (zeros, end of file, | MARKER   | THROW       | THROW       | CUT         | SKIP        |
 * |    last segment gone) before         |          |             |             |             |             |
 * |    keel.clean's last LSN             |          |             |             |             |             |
 * | M1 bad CRC, valid durable frames     | FRAME    | THROW       | THROW       | CUT         | SKIP        |
 * |    after it                          |          |             |             |             |             |
 * | M2 zeroed range mid-log              | FRAME    | THROW       | THROW       | CUT         | SKIP        |
 * |    (also a hole before a frame       |          |             |             |             |             |
 * |    written after it was durable)     |          |             |             |             |             |
 * | M3 stale or foreign frame mid-log    | FRAME    | THROW       | THROW       | CUT         | SKIP        |
 * | M4 LSN gap, missing middle segment   | FRAME    | THROW       | THROW       | CUT         | SKIP        |
 * | M5 bad segment header mid-log        | FRAME    | THROW       | THROW       | CUT         | SKIP        |
 * | M6 unknown record type (not          | FRAME    | THROW       | THROW       | CUT         | SKIP        |
 * |    skippable) mid-log                |          |             |             |             |             |
 * | V  unknown format version, anywhere  | any      | THROW       | THROW       | THROW       | THROW       |
 * </pre>
 *
 * Evidence: NONE, nothing proves the damaged bytes held an acknowledged record; FRAME, a later
 * valid frame written after they were synced; MARKER, a valid {@code keel.clean} of this log whose
 * last LSN is at or after the first record the damage destroyed (when a later frame proves it too,
 * FRAME is what is reported; the decision is the same).
 *
 * <p>CUT: the log ends just before the finding; the cut bytes and any later segments are moved
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

    /** What proves the damaged bytes held an acknowledged record: the table's evidence column. */
    public enum Evidence {
        /** Nothing: the damage can be a torn tail, an incomplete last write never acknowledged. */
        NONE,
        /** A later valid frame of this log, written after the damaged bytes had been synced. */
        LATER_DURABLE_FRAME,
        /** A valid clean-shutdown marker ({@code keel.clean}) whose last LSN is at or after the damage. */
        CLEAN_SHUTDOWN_MARKER
    }

    private DamageTable() {
    }

    public static Action decide(RecoveryMode mode, DamageKind kind, Evidence evidence) {
        if (kind == DamageKind.UNKNOWN_FORMAT_VERSION) {
            return Action.THROW;
        }
        if (evidence == Evidence.NONE) {
            return mode == RecoveryMode.ABSOLUTE_CONSISTENCY ? Action.THROW : Action.CUT;
        }
        return switch (mode) {
            case TOLERATE_CORRUPTED_TAIL, ABSOLUTE_CONSISTENCY -> Action.THROW;
            case POINT_IN_TIME -> Action.CUT;
            case SKIP_ANY_CORRUPTED_RECORDS -> Action.SKIP;
        };
    }
}
