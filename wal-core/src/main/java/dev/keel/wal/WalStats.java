package dev.keel.wal;

/**
 * A snapshot of what the log has done since it was opened.
 *
 * @param appends records appended
 * @param payloadBytes payload bytes appended
 * @param syncs batches made durable (each one barrier sync, or one synchronous write batch)
 * @param recordsPerSync records per durable batch, on average
 * @param syncLatencyP50Us median time from a batch's submission to its durability, microseconds
 * @param syncLatencyP99Us 99th percentile of the same
 * @param syncLatencyP999Us 99.9th percentile of the same
 * @param segments live segment files
 * @param durableLsn the highest durable LSN
 * @param backend the AIO backend in use
 */
public record WalStats(long appends, long payloadBytes, long syncs, double recordsPerSync, double syncLatencyP50Us,
                       double syncLatencyP99Us, double syncLatencyP999Us, int segments, long durableLsn, String backend) {
}
