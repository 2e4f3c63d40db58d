package dev.keel.bench;

import dev.keel.wal.Durability;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Bytes allocated per blocking append, per thread, over a steady-state window: the log's own
 * threads (committer, preparer, AIO workers) and the appender, nothing else. JMH's
 * {@code -prof gc} divides its harness's allocation by the operations too, which at a few
 * thousand durable appends a second dominates the figure; this probe does not.
 *
 * <pre>java -cp bench/target/keel.jar dev.keel.bench.AllocationProbe [backend] [durability] [appends]</pre>
 */
public final class AllocationProbe {
    private AllocationProbe() {
    }

    public static void main(String[] args) throws Exception {
        String backend = args.length > 0 ? args[0] : null;
        Durability durability = Durability.valueOf(args.length > 1 ? args[1] : "FDATASYNC");
        int appends = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Path dir = Files.createTempDirectory(Path.of("."), "keel-alloc-");
        try (Wal wal = Wal.open(dir, WalOptions.defaults().aioBackend(backend).durability(durability))) {
            ByteBuffer payload = ByteBuffer.allocateDirect(128);
            for (int i = 0; i < 3000; i++) {
                wal.append(payload);
            }
            Map<Long, Long> before = allocatedByThread(threads);
            for (int i = 0; i < appends; i++) {
                wal.append(payload);
            }
            Map<Long, Long> after = allocatedByThread(threads);
            long total = 0;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                long bytes = after.getOrDefault(t.getId(), 0L) - before.getOrDefault(t.getId(), 0L);
                if (bytes > 0) {
                    System.out.printf("%-28s %10d B  %8.2f B/append%n", t.getName(), bytes, (double) bytes / appends);
                    total += bytes;
                }
            }
            System.out.printf("total %.2f bytes allocated per blocking append (%d appends, backend %s, %s)%n",
                (double) total / appends, appends, wal.stats().backend(), durability);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Map<Long, Long> allocatedByThread(com.sun.management.ThreadMXBean threads) {
        Map<Long, Long> bytes = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            bytes.put(t.getId(), threads.getThreadAllocatedBytes(t.getId()));
        }
        return bytes;
    }
}
