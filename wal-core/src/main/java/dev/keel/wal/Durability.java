package dev.keel.wal;

/**
 * When an append is acknowledged, named as PostgreSQL's {@code wal_sync_method} names the ways
 * to get there. An append returns (or its future completes) only once its record is durable in
 * the chosen sense.
 */
public enum Durability {
    /** No sync: acknowledged once the write reached the kernel (survives a process crash, not power loss). */
    NONE,
    /** The default: each batch of writes is followed by an fdatasync barrier. */
    FDATASYNC,
    /** Each batch is followed by an fsync barrier (metadata too). */
    FSYNC,
    /** Segments are opened O_DSYNC: every write returns durable, no separate sync. */
    OPEN_DSYNC,
    /** Segments are opened O_SYNC: every write returns durable with its metadata, no separate sync. */
    OPEN_SYNC
}
