package dev.keel.bench.jmh;

import java.lang.management.ManagementFactory;

/**
 * Process CPU time (user + system, every thread of the process, kernel workers that the kernel
 * charges to it included, such as io_uring's). Used to compare backends by CPU time per
 * operation, which throughput alone hides: a backend can reach the disk's rate while burning
 * a core in worker threads.
 */
final class CpuMeter {
    private static final com.sun.management.OperatingSystemMXBean OS =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private long startCpuNs;
    private long startOps;

    void start(long ops) {
        startCpuNs = OS.getProcessCpuTime();
        startOps = ops;
    }

    /** Prints CPU ns per op since {@link #start}, in a line that RESULTS tables are built from. */
    void report(String label, long ops) {
        long cpuNs = OS.getProcessCpuTime() - startCpuNs;
        long n = ops - startOps;
        if (n > 0) {
            System.out.printf("%n# cpu %s: %d ns cpu/op over %d ops%n", label, cpuNs / n, n);
        }
    }
}
