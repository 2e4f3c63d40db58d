/**
 * The write side and the public entry point: {@link dev.keel.wal.Wal} (open, append, read,
 * retention, close) and {@link dev.keel.wal.ReadOnlyWal} (readers without a lock).
 *
 * <p>Appenders copy into a shared off-heap log buffer and wait on their LSN ({@code Appender});
 * one committer agent ({@code Committer}) submits each batch of writes plus its
 * barrier sync through the AIO layer; the durability modes are named as PostgreSQL's
 * {@code wal_sync_method} names them ({@link dev.keel.wal.Durability}). The segment lifecycle
 * (prepare ahead, roll, seal, recycle, delete) is {@code SegmentPreparer} and
 * {@code Segments}; one writer per directory is {@link dev.keel.wal.DirectoryLock}.
 * Options are {@link dev.keel.wal.WalOptions}. Recovery and the on-disk format live in
 * {@code dev.keel.recovery}. This module uses the AIO layer's public API only, never a backend's
 * internals. Keel logs through {@link java.lang.System.Logger} (README: how to route or silence it).
 */
package dev.keel.wal;
