/**
 * The log's read side: what a valid log is, and what to do when it is not.
 *
 * <p>{@link dev.keel.recovery.LogScanner} reads each segment through a window of batched reads
 * consumed with polled completions of the AIO layer and validates every frame; it is the one
 * place that decides which frames are valid and where a log ends. {@link dev.keel.recovery.DamageTable}
 * holds the recovery modes' decisions (TOLERATE_CORRUPTED_TAIL, ABSOLUTE_CONSISTENCY,
 * POINT_IN_TIME, SKIP_ANY_CORRUPTED_RECORDS) as one labelled table; {@link dev.keel.recovery.LogRecovery}
 * applies them and repairs (cut tails copied to {@code quarantine/} first, damaged segments moved
 * there, never deleted); {@link dev.keel.recovery.SegmentCursor} reads records back. The format
 * lives here because the reader defines what a valid log is; the writer in {@code wal-core}
 * encodes to that definition. This module does not know how appends are grouped and synced.
 */
package dev.keel.recovery;
