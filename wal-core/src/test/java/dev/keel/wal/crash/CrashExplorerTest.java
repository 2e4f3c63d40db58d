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
 * The crash-state explorer in CI: every workload in every durability mode on the best backend,
 * and the single-writer workload in every durability mode on each of the four real backends,
 * bounded ({@link CrashExplorer.Limits#CI}; see src/test/README.md for long runs).
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

    static List<Arguments> onTheBestBackend() {
        List<Arguments> out = new ArrayList<>();
        for (Durability d : Durability.values()) {
            for (Workload w : Workload.values()) {
                out.add(Arguments.of(w.name(), d));
            }
            out.add(Arguments.of("REPAIR", d));
        }
        out.removeIf(a -> !ONLY.isEmpty() && !ONLY.contains((String) a.get()[0]));
        return out;
    }

    static List<Arguments> onEveryBackend() {
        List<Arguments> out = new ArrayList<>();
        for (String b : List.of("io_uring", "linux-aio", "posix", "threads")) {
            for (Durability d : Durability.values()) {
                out.add(Arguments.of(b, d));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("onTheBestBackend")
    void everyWorkloadKeepsEveryPromiseInEveryCrashState(String workload, Durability durability) throws Exception {
        AioBackend best = Aio.backend(Aio.availableBackends().get(0));
        CrashExplorer.Report r = explorer(best, durability).run(workload);
        assertClean(r);
        if (workload.equals(Workload.DIRECT_AT_DEPTH.name())) {
            assertTrue(r.deepPoints() > 0, () -> "DIRECT at depth explored no crash point with two writes in flight: " + r.line());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("onEveryBackend")
    void theSingleWriterWorkloadKeepsEveryPromiseOnEachBackend(String backend, Durability durability) throws Exception {
        BackendRequirement.check(backend, Aio.backend(backend).unavailableReason());
        assertClean(explorer(Aio.backend(backend), durability).run(Workload.ONE_WRITER.name()));
    }

    /**
     * Runs and crash states live in memory (/dev/shm) where there is one: the model, not the
     * device, decides what is durable, so a device's fsync would only cost time.
     */
    private ExplorerRun explorer(AioBackend backend, Durability durability) throws Exception {
        Path scratch = Files.isDirectory(SHM) && Files.isWritable(SHM) ? Files.createTempDirectory(SHM, "keel-crash") : dir;
        scratches.add(scratch);
        return new ExplorerRun(new CrashExplorer(backend, durability, LONG ? CrashExplorer.Limits.LONG : CrashExplorer.Limits.CI,
            SEED, scratch));
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
