package dev.keel.wal;

/**
 * Bugs that the crash-state explorer's mutation tests plant in the log, one at a time, to show
 * that the explorer reports the loss each one causes (a harness that cannot see loss proves
 * nothing). Package-private and {@link #NONE} unless a test in this package sets it: no option,
 * system property or public method reaches it, and each check is a single volatile read off the
 * hot path's fast case.
 */
enum PlantedBug {
    NONE,
    /** The committer acknowledges a batch once its writes complete, while its sync is still in flight. */
    ACK_BEFORE_SYNC,
    /** The preparer renames a new segment into place without syncing the directory. */
    NO_DIRECTORY_SYNC_AFTER_SEGMENT_CREATE,
    /** The committer's durability sync goes to another file (the lock file) instead of the segment. */
    SYNC_WRONG_FILE;

    private static volatile PlantedBug active = NONE;

    static boolean isActive(PlantedBug bug) {
        return active == bug;
    }

    /** Plants {@code bug} (NONE removes it). Tests only: see the class comment. */
    static void plant(PlantedBug bug) {
        active = bug;
    }
}
