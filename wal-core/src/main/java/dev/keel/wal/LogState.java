package dev.keel.wal;

/**
 * What appenders and the committer share. The monitor guards LSN assignment, ring reservation,
 * and the ack queue; {@code durableLsn} and {@code failure} are
 * published without it.
 */
final class LogState {
    final Object monitor = new Object();
    final LogBuffer ring;
    final AckQueue acks = new AckQueue();
    /** Every record up to here is durable in the log's durability mode. */
    volatile long durableLsn;
    /**
     * Every record up to here was synced to the device (or written through O_DSYNC/O_SYNC): what
     * each frame's {@code unsyncedSpan} counts from, which recovery takes as proof of what was
     * durable before that frame. Equal to {@link #durableLsn} in every mode but NONE, where the
     * durable LSN moves as writes complete, which a power cut does not respect: there it moves
     * only at open and never goes past what was synced.
     */
    volatile long syncedLsn;
    /** Set once, when the log fails stop. */
    volatile WalFailedException failure;
    /** The committer is running (or its state is unknown): nobody needs to wake it. */
    static final int COMMITTER_RUNNING = 0;
    /** The committer is parked without leadership: wake it with {@code LockSupport.unpark}. */
    static final int COMMITTER_PARKED = 1;
    /** COMMITTER_RUNNING or COMMITTER_PARKED; appenders read it after publishing to decide how to wake the committer. */
    volatile int committerWaiting;
    /** The committer's thread, set when it starts. */
    volatile Thread committerThread;
    /** DIRECT: the salt of the segment the committer writes, which appenders stamp (the committer rolls). */
    volatile int segmentSalt;
    /** Who drives the write path (the committer, or a lone appender leading its own write group). */
    final WriteLeadership leadership = new WriteLeadership();
    /** Appenders waiting for ring space (guarded by monitor). */
    int spaceWaiters;
    /** The thread appending an atomic batch, while it waits for ring room mid-batch (guarded by monitor). */
    Thread batchOwner;

    LogState(LogBuffer ring) {
        this.ring = ring;
    }
}
