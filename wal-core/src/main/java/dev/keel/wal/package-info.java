/**
 * The write side and the public entry point {@code Wal} (to be built by the log issue).
 *
 * <p>This module will own the segment appender, group commit (appenders copy into a shared
 * off-heap log buffer and wait on their LSN; one committer agent submits each batch of writes
 * plus its barrier sync through the AIO layer), the durability modes named as PostgreSQL's
 * {@code wal_sync_method} names them, the segment lifecycle (preallocate, roll, seal, recycle,
 * delete) and the directory lock. It uses the AIO layer's public API only, never a backend's
 * internals.
 */
package dev.keel.wal;
