package dev.keel.wal.recovery;

/** What {@code Wal.open} does with a damaged log: the cells of the decision table. */
enum Outcome {
    /** Opens with no damage reported and nothing cut: the log ends where the valid frames end. */
    OPENS,
    /** Opens cut just before the damage; the cut bytes and later segments are in quarantine. */
    CUTS,
    /**
     * Opens ending just before the damage, which is reported, with nothing to set aside: the lost
     * records' bytes are zeros or gone (a cut of a log whose end was zeroed or deleted).
     */
    ENDS_EARLY,
    /** Throws CorruptLogException and changes nothing. */
    THROWS,
    /** Opens with every valid record kept and the lost LSNs reported as a gap. */
    SKIPS
}
