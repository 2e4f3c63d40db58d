package dev.keel.wal.crash;

import dev.keel.aio.Aio;
import dev.keel.aio.AioBackend;
import dev.keel.aio.conformance.BackendRequirement;
import dev.keel.wal.Durability;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The crash-state explorer in CI: every workload in every durability mode on each of the four real
 * backends, bounded ({@link #limits}; see src/test/README.md for long runs).
 * Each run prints the states it opened per recovery mode.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CrashExplorerTest {
    /** Runs long explorations: {@code -Dkeel.crash.long=true}, optionally {@code -Dkeel.crash.seed=N}. */
    static final boolean LONG = Boolean.getBoolean("keel.crash.long");
    static final long SEED = Long.getLong("keel.crash.seed", LONG ? System.nanoTime() : 20261130L);

    /** Only these workloads (comma-separated names), for a focused run: {@code -Dkeel.crash.only=DIRECT_AT_DEPTH}. */
    static final List<String> ONLY = System.getProperty("keel.crash.only", "").isBlank() ? List.of()
        : List.of(System.getProperty("keel.crash.only").split(","));

    @TempDir
    Path dir;

    static final List<String> BACKENDS = List.of("io_uring", "linux-aio", "posix", "threads");

    static List<Arguments> everyWorkloadModeAndBackend() {
        List<Arguments> out = new ArrayList<>();
        for (String b : BACKENDS) {
            for (Durability d : Durability.values()) {
                for (Workload w : Workload.values()) {
                    out.add(Arguments.of(b, w.name(), d));
                }
                out.add(Arguments.of(b, "REPAIR", d));
            }
        }
        out.removeIf(a -> !ONLY.isEmpty() && !ONLY.contains((String) a.get()[1]));
        return out;
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("everyWorkloadModeAndBackend")
    void everyWorkloadKeepsEveryPromiseInEveryCrashState(String backend, String workload, Durability durability) throws Exception {
        BackendRequirement.check(backend, Aio.backend(backend).unavailableReason());
        CrashExplorer.Report r = explorer(Aio.backend(backend), durability).run(workload);
        assertClean(r);
        if (workload.equals(Workload.DIRECT_AT_DEPTH.name())) {
            assertTrue(r.deepPoints() > 0, () -> "DIRECT at depth explored no crash point with two writes in flight: " + r.line());
        }
    }

    /**
     * Runs and crash states live in memory (/dev/shm) where there is one: the model, not the
     * device, decides what is durable, so a device's fsync would only cost time.
     */
    private ExplorerRun explorer(AioBackend backend, Durability durability) throws Exception {
        Path scratch = Files.isDirectory(SHM) && Files.isWritable(SHM) ? Files.createTempDirectory(SHM, "keel-crash") : dir;
        scratches.add(scratch);
        AioBackend fastest = Aio.backend(Aio.availableBackends().get(0));
        return new ExplorerRun(new CrashExplorer(backend, fastest, durability, limits(backend.name()), SEED, scratch));
    }

    /**
     * CI's limits, and on linux-aio only the first two states of each run opened on linux-aio
     * itself (the rest on the fastest backend): closing a linux-aio context waits in io_destroy for
     * an RCU grace period, about 100 ms per log open and close here against 9 ms on io_uring, and
     * each state is opened four times. Every state still comes from a run written through
     * linux-aio. The long run opens every state on the run's own backend.
     */
    static CrashExplorer.Limits limits(String backend) {
        if (LONG) {
            return CrashExplorer.Limits.LONG;
        }
        return backend.equals("linux-aio") ? CrashExplorer.Limits.CI.ownBackendStates(2) : CrashExplorer.Limits.CI;
    }

    private static final Path SHM = Path.of("/dev/shm");
    private final List<Path> scratches = new ArrayList<>();

    @AfterEach
    void removeScratch() throws Exception {
        for (Path p : scratches) {
            CrashChecker.delete(p);
        }
    }

    /** One explorer, its runs printed. */
    record ExplorerRun(CrashExplorer explorer) {
        CrashExplorer.Report run(String workload) throws Exception {
            CrashExplorer.Report r = workload.equals("REPAIR") ? explorer.exploreRepair() : explorer.explore(Workload.valueOf(workload));
            System.out.println(r.line());
            return r;
        }
    }

    static void assertClean(CrashExplorer.Report r) {
        assertTrue(r.distinctStates() > 0, r.line());
        assertTrue(r.problems().isEmpty(), () -> r.line() + "\n" + String.join("\n", r.problems()));
    }
}
