/**
 * The log's read side (to be built by the log and recovery issues).
 *
 * <p>This module will own the on-disk format (frame and segment header descriptors), segment
 * scanning with a window of batched reads consumed through polled completions of the AIO layer,
 * frame validation, the recovery modes (TOLERATE_CORRUPTED_TAIL, ABSOLUTE_CONSISTENCY,
 * POINT_IN_TIME, SKIP_ANY_CORRUPTED_RECORDS), repair that never deletes data silently, readers,
 * and recovery reports. The format lives here because the reader defines what a valid log is;
 * the writer in {@code wal-core} encodes to that definition. It must not know how appends are
 * grouped and synced.
 */
package dev.keel.recovery;
