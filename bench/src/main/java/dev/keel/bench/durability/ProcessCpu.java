package dev.keel.bench.durability;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

import java.lang.management.ManagementFactory;

/**
 * The CPU time this whole process has used, user and system, every thread: what a system under
 * test costs the machine, its background threads and the kernel's work for it included (io_uring's
 * io-wq workers are threads of the process, so they count; other processes and interrupt
 * handling do not). Read with {@code clock_gettime(CLOCK_PROCESS_CPUTIME_ID)}, to the
 * nanosecond: the JVM's {@code OperatingSystemMXBean.getProcessCpuTime} counts in 10 ms clock
 * ticks on Linux, too coarse for a window of a fraction of a second; it remains the fallback.
 */
final class ProcessCpu {
    private static final int CLOCK_PROCESS_CPUTIME_ID = 2;
    private static final boolean NATIVE;
    private static final com.sun.management.OperatingSystemMXBean OS =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    static {
        boolean registered;
        try {
            Native.register(NativeLibrary.getInstance("c"));
            registered = true;
        } catch (UnsatisfiedLinkError e) {
            registered = false;
        }
        NATIVE = registered;
    }

    private ProcessCpu() {
    }

    /** {@code struct timespec} on x86_64 Linux is two longs: seconds, nanoseconds. */
    private static native int clock_gettime(int clockId, long[] timespec);

    /** Nanoseconds of CPU used so far; -1 where neither source can tell. */
    static long nanos() {
        if (NATIVE) {
            long[] ts = new long[2];
            if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, ts) == 0) {
                return ts[0] * 1_000_000_000L + ts[1];
            }
        }
        return OS.getProcessCpuTime();
    }

    /** CPU used between two readings of {@link #nanos}; 0 when either was unavailable. */
    static long between(long startNs, long endNs) {
        return startNs < 0 || endNs < 0 ? 0 : Math.max(0, endNs - startNs);
    }
}
