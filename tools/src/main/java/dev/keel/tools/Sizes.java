package dev.keel.tools;

/** How the tools print sizes and rates: exact bytes for scripts, MiB and GB/s for people. */
final class Sizes {
    private static final double MIB = 1024.0 * 1024.0;

    private Sizes() {
    }

    /** "1048576 bytes (1.00 MiB)". */
    static String bytes(long bytes) {
        return bytes + " bytes (" + String.format("%.2f MiB", bytes / MIB) + ")";
    }

    /** "0.83 GB/s" (decimal gigabytes, as disks are rated). */
    static String rate(double bytesPerSecond) {
        return String.format("%.2f GB/s", bytesPerSecond / 1e9);
    }
}
