package dev.keel.recovery;

/**
 * What {@code Wal.open} does with damage it finds, with the meanings RocksDB gives these names.
 * The cases each mode meets are the rows of {@link DamageTable}.
 */
public enum RecoveryMode {
    /**
     * The default. An incomplete last write, or the zeros of preallocation after the last valid
     * record, is cut (it holds only unacknowledged data); any other damage throws
     * {@link CorruptLogException}.
     */
    TOLERATE_CORRUPTED_TAIL,
    /** Any damage at all, a torn tail included, throws {@link CorruptLogException}. */
    ABSOLUTE_CONSISTENCY,
    /** The log ends just before the first damaged record; everything after it is set aside. */
    POINT_IN_TIME,
    /** Damaged records are skipped, every valid record is kept, LSN gaps are reported. */
    SKIP_ANY_CORRUPTED_RECORDS
}
