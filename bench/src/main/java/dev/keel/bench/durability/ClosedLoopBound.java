package dev.keel.bench.durability;

/**
 * The most durable records per second N blocking writers can get from this device, whatever the
 * log does, computed from the device's own limits (the limits section):
 *
 * <pre>
 *   bound(N, s) = min( N / L1 ,  B / s )
 *
 *   L1 = 1 / R1   the shortest durable round trip: R1 is the best depth-1 rate of a durable 4 KiB
 *                 write measured on the device (buffered pwrite + fdatasync, or O_DIRECT + O_DSYNC,
 *                 whichever is faster: the bound holds for every durability mode)
 *   B             the highest durable bandwidth measured at depth (bytes/s: 64 KiB x 8, 1 MiB x 4)
 *   s             the record's bytes
 * </pre>
 *
 * Why: a blocking writer has at most one record outstanding, and none of its records can become
 * durable faster than one round trip to the device, so by Little's law N writers complete at most
 * N records per L1 (the best case: every round trip carries one record of every writer, which is
 * exactly what group commit aims at). And however records are grouped, their bytes cannot reach
 * the disk faster than its best durable bandwidth at depth, which caps large records at many
 * writers. The device's depth-N rate of separate 4 KiB writes (d x limits) is not a cap: a log
 * that groups records puts many of them in one write, so it may pass that rate, and the report
 * shows that rate in the limits section for the log that does not group.
 */
public final class ClosedLoopBound {
    private ClosedLoopBound() {
    }

    /**
     * @param writers N, blocking writers (or records kept in flight by one pipelining thread)
     * @param recordBytes s
     * @param depthOneRoundTripsPerSec R1, durable 4 KiB writes per second at depth 1
     * @param bestMbPerSec B in megabytes (10^6 bytes) per second
     */
    public static double recordsPerSec(int writers, int recordBytes, double depthOneRoundTripsPerSec, double bestMbPerSec) {
        if (writers < 1 || recordBytes < 1 || !(depthOneRoundTripsPerSec > 0) || !(bestMbPerSec > 0)) {
            throw new IllegalArgumentException("bound of writers=" + writers + " recordBytes=" + recordBytes + " R1="
                + depthOneRoundTripsPerSec + "/s B=" + bestMbPerSec + " MB/s: all must be positive");
        }
        return Math.min(writers * depthOneRoundTripsPerSec, bestMbPerSec * 1e6 / recordBytes);
    }

    /** The formula in one line, for the report. */
    static String formula() {
        return "bound = min(N x R1, B / s): N writers, R1 the best durable 4 KiB depth-1 rate, B the best durable MB/s at depth, "
            + "s the record size";
    }
}
