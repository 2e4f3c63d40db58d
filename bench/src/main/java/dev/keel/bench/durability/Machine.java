package dev.keel.bench.durability;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine a run measured, as the report's {@code machine} object: enough to tell two runs'
 * settings apart (figures from different machines, disks or kernels are not comparable).
 *
 * @param cores processors available to the JVM
 * @param memoryBytes physical memory
 * @param cpu the CPU model, from /proc/cpuinfo (null when unreadable)
 * @param os operating system name
 * @param kernel kernel version
 * @param java Java runtime version and VM
 * @param loadAverage the one-minute load average when the run started: above the core count, other work shared the machine
 * @param dir the directory the benchmark wrote in
 * @param fileSystem its file system type (ext4, xfs, tmpfs, ...)
 * @param device the device or mount source the file system is on
 * @param rotational true for a spinning disk, false for flash or virtual, null when the kernel does not say
 * @param usableBytes free space for the benchmark in that file system when it started
 */
public record Machine(int cores, long memoryBytes, String cpu, String os, String kernel, String java, double loadAverage,
                      String dir, String fileSystem, String device, Boolean rotational, long usableBytes) {

    public static Machine probe(Path dir) throws IOException {
        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        FileStore store = Files.getFileStore(dir);
        return new Machine(Runtime.getRuntime().availableProcessors(), os.getTotalMemorySize(), cpuModel(),
            System.getProperty("os.name"), System.getProperty("os.version"),
            System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vm.name") + ")",
            os.getSystemLoadAverage(), dir.toAbsolutePath().normalize().toString(), store.type(), store.name(),
            rotational(store.name()), store.getUsableSpace());
    }

    private static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String line : lines) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or /proc hidden: the model is a detail, the run goes on without it.
        }
        return null;
    }

    /** /sys/block/NAME/queue/rotational for a device such as /dev/vda or /dev/nvme0n1p2 (its parent disk). */
    private static Boolean rotational(String device) {
        if (device == null || !device.startsWith("/dev/")) {
            return null;
        }
        String name = device.substring("/dev/".length());
        for (String candidate : List.of(name, name.replaceAll("p?\\d+$", ""))) {
            Path flag = Path.of("/sys/block", candidate, "queue", "rotational");
            try {
                if (Files.isReadable(flag)) {
                    return Files.readString(flag).trim().equals("1");
                }
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    /** One line for the terminal. */
    public String summary() {
        return String.format("%d cores%s, %.1f GiB, %s %s, Java %s, load %.2f%n  dir %s: %s on %s%s, %.1f GiB free",
            cores, cpu == null ? "" : " (" + cpu + ")", memoryBytes / (double) (1L << 30), os, kernel, java, loadAverage, dir,
            fileSystem, device, rotational == null ? "" : rotational ? " (rotational)" : " (non-rotational)",
            usableBytes / (double) (1L << 30));
    }
}
