package dev.keel.aio;

/** What a sync request makes durable, as aio_fsync's O_DSYNC and O_SYNC do. */
public enum SyncMode {
    /** fdatasync(2): the data, and only the metadata needed to read it back. */
    DATA,
    /** fsync(2): the data and all metadata (size, times). */
    FILE
}
