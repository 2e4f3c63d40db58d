package dev.keel.wal.recovery;

import dev.keel.recovery.Damage;
import dev.keel.recovery.DamageKind;
import dev.keel.recovery.RecoveryReport;
import dev.keel.recovery.SegmentFiles;
import dev.keel.wal.Durability;
import dev.keel.wal.Wal;
import dev.keel.wal.WalReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Kill -9 in the middle of appending, over and over on one directory. A child JVM
 * ({@link CrashChild}) appends from four threads and prints each acknowledged LSN with the
 * CRC of its payload; the parent kills it (SIGKILL) after a random delay, reopens the log
 * with TOLERATE_CORRUPTED_TAIL, checks it, closes it, and starts the next child on the same
 * directory (half the time without the clean marker, so that the child's own open scans and
 * may be killed while it repairs).
 *
 * <p>Checked every cycle: LSNs dense from the first to the last, every payload one the child
 * produced (self-checking, and no payload twice), no damage but a cut tail; with FDATASYNC
 * also every acknowledged LSN present with identical bytes, and no acknowledged LSN ever
 * given out again. 30 cycles with FDATASYNC and 10 with NONE by default;
 * {@code -Dkeel.crash.cycles=N} runs N of each, {@code -Dkeel.crash.seed=S} repeats a run.
 * Timing varies the kill points, never the verdict: every wait is bounded.
 */
class CrashRecoveryTest {
    private static final int THREADS = 4;
    private static final long READY_TIMEOUT_MS = 60_000;
    private static final int MAX_KILL_DELAY_MS = 300;

    @TempDir
    Path work;

    @Test
    void killedWhileAppendingWithFdatasyncLosesNothingAcknowledged() throws Exception {
        run(Durability.FDATASYNC, Integer.getInteger("keel.crash.cycles", 30));
    }

    @Test
    void killedWhileAppendingWithoutSyncStaysConsistent() throws Exception {
        run(Durability.NONE, Integer.getInteger("keel.crash.cycles", 10));
    }

    private void run(Durability durability, int cycles) throws Exception {
        long seed = Long.getLong("keel.crash.seed", System.nanoTime());
        System.out.println("crash test " + durability + ": " + cycles + " cycles, seed=" + seed
            + " (rerun with -Dkeel.crash.seed=" + seed + ")");
        Random random = new Random(seed);
        Path dir = work.resolve("log");
        Map<Long, Long> acknowledged = new HashMap<>();
        for (int cycle = 0; cycle < cycles; cycle++) {
            String where = durability + " cycle " + cycle + " (seed " + seed + ")";
            ChildRun child = ChildRun.start(dir, durability, random.nextLong(), work.resolve("child-" + cycle + ".err"));
            // One kill in five lands early, possibly while the child's open is still repairing the
            // log; the others once appends are acknowledged, at a random point of the stream.
            boolean early = random.nextInt(5) == 0;
            if (!early) {
                child.awaitLine("A ", READY_TIMEOUT_MS, where);
            }
            Thread.sleep(random.nextInt(early ? 300 : MAX_KILL_DELAY_MS));
            List<String> lines = child.kill(where);
            long acksThisCycle = absorb(lines, acknowledged, durability, where);
            Set<DamageKind> seen = verify(dir, durability, acknowledged, where);
            System.out.println(where + ": " + acksThisCycle + " acknowledged, damage " + seen);
            if (random.nextBoolean()) {
                Files.deleteIfExists(dir.resolve(SegmentFiles.CLEAN_FILE));
            }
        }
    }

    /** Reads the child's lines into {@code acknowledged}; returns how many acknowledgements it printed. */
    private static long absorb(List<String> lines, Map<Long, Long> acknowledged, Durability durability, String where) {
        long acks = 0;
        long maxAcked = acknowledged.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
        for (String line : lines) {
            String[] f = line.split(" ");
            switch (f[0]) {
                case "ready" -> {
                    if (durability == Durability.FDATASYNC) {
                        assertTrue(Long.parseLong(f[1]) >= maxAcked, where + ": the child reopened at LSN " + f[1]
                            + " but LSN " + maxAcked + " was acknowledged");
                    }
                }
                case "A" -> {
                    long lsn = Long.parseLong(f[1]);
                    long crc = Long.parseLong(f[2], 16);
                    Long before = acknowledged.put(lsn, crc);
                    if (durability == Durability.FDATASYNC) {
                        assertNull(before, where + ": LSN " + lsn + " was acknowledged twice: an acknowledged record was lost");
                    }
                    acks++;
                }
                default -> fail(where + ": the child printed '" + line + "'");
            }
        }
        if (durability == Durability.NONE) {
            acknowledged.clear(); // without a sync only consistency is promised, checked below
        }
        return acks;
    }

    private static Set<DamageKind> verify(Path dir, Durability durability, Map<Long, Long> acknowledged, String where)
        throws IOException {
        Set<DamageKind> seen = EnumSet.noneOf(DamageKind.class);
        try (Wal wal = Wal.open(dir, CrashChild.options(durability))) {
            RecoveryReport report = wal.recoveryReport();
            for (Damage d : report.damage()) {
                seen.add(d.kind());
            }
            assertTrue(report.gaps().isEmpty(), where + ": " + report.summary());
            assertTrue(report.damage().size() <= 1, where + ": at most the torn tail: " + report.summary());
            long first = Math.max(1, wal.firstLsn());
            long last = wal.lastLsn();
            long maxAcked = acknowledged.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
            assertTrue(last >= maxAcked, where + ": last LSN " + last + " < acknowledged " + maxAcked + "; " + report.summary());
            Set<Long> payloadSeeds = new HashSet<>();
            long expected = first;
            try (WalReader r = wal.reader(first)) {
                while (r.next()) {
                    assertEquals(expected, r.lsn(), where + ": LSNs are dense");
                    byte[] payload = SelfCheckingPayload.bytes(r.payload());
                    assertNull(SelfCheckingPayload.problem(payload), where + ": LSN " + r.lsn() + " is a payload the child wrote");
                    long payloadSeed = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getLong(8);
                    assertTrue(payloadSeeds.add(payloadSeed), where + ": LSN " + r.lsn() + " repeats an earlier record");
                    Long crc = acknowledged.get(r.lsn());
                    if (crc != null) {
                        assertEquals((long) crc, SelfCheckingPayload.crc32(payload), where + ": LSN " + r.lsn()
                            + " holds the bytes acknowledged");
                    }
                    expected++;
                }
            }
            assertEquals(last + 1, expected, where + ": every LSN up to the last is readable");
            for (long lsn : acknowledged.keySet()) {
                assertTrue(lsn >= first && lsn <= last, where + ": acknowledged LSN " + lsn + " is in the log");
            }
        }
        return seen;
    }

    /**
     * One child JVM. Its stdout goes to a file, not a pipe: the kernel keeps what the child wrote
     * when it is killed, and nothing in the parent has to keep a pipe drained or race its close.
     */
    private record ChildRun(Process process, Path stdout, Path stderr) {
        private static final long POLL_MS = 10;

        static ChildRun start(Path dir, Durability durability, long seed, Path stderr) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(), dir.toString(),
                durability.name(), Integer.toString(THREADS), Long.toString(seed));
            Path stdout = stderr.resolveSibling(stderr.getFileName() + ".out");
            pb.redirectOutput(stdout.toFile());
            pb.redirectError(stderr.toFile());
            return new ChildRun(pb.start(), stdout, stderr);
        }

        /** Waits until the child printed a line starting with {@code prefix}. */
        void awaitLine(String prefix, long timeoutMs, String where) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (wholeLines().stream().noneMatch(l -> l.startsWith(prefix))) {
                assertTrue(process.isAlive(), where + ": the child ended before printing '" + prefix + "'; stderr: "
                    + stderrText());
                assertTrue(System.nanoTime() < deadline, where + ": the child printed no '" + prefix + "' in " + timeoutMs
                    + " ms; stderr: " + stderrText());
                Thread.sleep(POLL_MS);
            }
        }

        /** Kills the child with SIGKILL and returns every whole line it printed. */
        List<String> kill(String where) throws Exception {
            assertTrue(process.isAlive(), where + ": the child ended by itself; stderr: " + stderrText());
            process.destroyForcibly();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), where + ": the child did not die");
            assertEquals(137, process.exitValue(), where + ": killed by SIGKILL, not exited by itself; stderr: "
                + stderrText());
            return wholeLines();
        }

        /** The lines printed so far; an unterminated last one (cut by the kill) is left out. */
        private List<String> wholeLines() throws IOException {
            String text = Files.exists(stdout) ? Files.readString(stdout, StandardCharsets.US_ASCII) : "";
            List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
            lines.remove(lines.size() - 1);
            return lines;
        }

        private String stderrText() throws IOException {
            return Files.exists(stderr) ? Files.readString(stderr) : "";
        }
    }
}
