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
    /** Set once, when the log fails stop. */
    volatile WalFailedException failure;
    /** True while the committer may be blocked waiting for work: appenders then wake it. */
    volatile boolean committerSleeping;
    /** Appenders waiting for ring space (guarded by monitor). */
    int spaceWaiters;

    LogState(LogBuffer ring) {
        this.ring = ring;
    }
}
