package dev.keel.bench;

import dev.keel.aio.Aio;
import dev.keel.aio.AioContext;
import dev.keel.bench.durability.BenchReport;
import dev.keel.bench.durability.BenchRun;
import dev.keel.bench.durability.BenchSettings;
import dev.keel.bench.durability.Charts;
import dev.keel.bench.durability.DurabilityBench;
import dev.keel.bench.durability.JsonReport;
import dev.keel.bench.durability.Progress;
import dev.keel.tools.KeelMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code keel bench}: the durability benchmark ({@link DurabilityBench}). Checks its options
 * loudly (a bad value names itself and its limits, exit 2), runs in a fresh directory under
 * {@code --dir} and removes what it wrote.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "The durability benchmark: the device's own durable write limits (no log), sync methods per "
        + "Durability mode and AIO backend beside the raw pwrite+fdatasync limit, group commit scaling beside RocksDB, "
        + "Chronicle Queue, a FileChannel and Artemis's journal with the closed-loop device bound, pipelined appends, "
        + "and recovery beside the disk's read rate. Every figure is measured in the run; compared systems run in "
        + "interleaved rounds.",
    footer = {"", "Exit codes: 0 done; 1 a case failed (the error names the system); 2 usage error (a bad option: the "
        + "message names the value and its limits).",
        "", "Examples:",
        "  keel bench --quick",
        "  keel bench --dir /mnt/fast --seconds 5 --json results.json --plots plots/",
        "  keel bench --section scaling,recovery --recovery-mib 256"})
final class BenchCommand implements Callable<Integer> {
    static final double MIN_SECONDS = 0.05;
    static final double MAX_SECONDS = 600;
    static final double DEFAULT_SECONDS = 2;
    static final double QUICK_SECONDS = 0.25;
    /** Warm-up before each window: a quarter of it, at most a second (the JIT and the first segment settle in that). */
    static final double WARMUP_FRACTION = 0.25;
    static final double MAX_WARMUP_SECONDS = 1;
    static final int MIN_RECOVERY_MIB = 64;
    static final int MAX_RECOVERY_MIB = 1 << 20;
    static final int DEFAULT_RECOVERY_MIB = 4096;
    static final int QUICK_RECOVERY_MIB = 1024;
    /** Keel logs each open at INFO; a run opens a log per case, and those lines would bury the table. Held: JUL keeps loggers weakly. */
    private static final Logger KEEL_LOG = Logger.getLogger("dev.keel");

    @Option(names = "--dir", description = "Directory to write in; the run uses a fresh subdirectory and removes it "
        + "(default: ${DEFAULT-VALUE}, removed afterwards).", defaultValue = "keel-bench-data")
    Path dir;

    @Option(names = "--seconds", description = "Measuring window per case, " + MIN_SECONDS + " to " + MAX_SECONDS
        + " (default: " + DEFAULT_SECONDS + ", --quick: " + QUICK_SECONDS + ").")
    Double seconds;

    @Option(names = "--quick", description = "The short run: short windows, the sync methods at 4 KiB only, and a "
        + QUICK_RECOVERY_MIB + " MiB recovery log (under a minute).")
    boolean quick;

    @Option(names = "--recovery-mib", description = "Size of the log the recovery section writes and scans, a multiple of "
        + MIN_RECOVERY_MIB + " from " + MIN_RECOVERY_MIB + " to " + MAX_RECOVERY_MIB + " (default: " + DEFAULT_RECOVERY_MIB
        + ", --quick: " + QUICK_RECOVERY_MIB + "); never more than half the free space.")
    Integer recoveryMib;

    @Option(names = "--section", paramLabel = "NAME", split = ",", description = "Run only these sections "
        + "(limits, sync-methods, scaling, pipelined, recovery, direct; repeat or separate with commas; default: all).")
    List<String> sectionNames = new ArrayList<>();

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON: {machine, run, cases}.")
    Path json;

    @Option(names = "--plots", paramLabel = "DIR", description = "Also write PNG charts: scaling curves and latency CDFs.")
    Path plots;

    @Override
    public Integer call() throws Exception {
        double windowSeconds = seconds != null ? seconds : quick ? QUICK_SECONDS : DEFAULT_SECONDS;
        if (!(windowSeconds >= MIN_SECONDS && windowSeconds <= MAX_SECONDS)) {
            throw new IllegalArgumentException("--seconds=" + windowSeconds + " must be between " + MIN_SECONDS + " and "
                + MAX_SECONDS);
        }
        int logMib = recoveryMib != null ? recoveryMib : quick ? QUICK_RECOVERY_MIB : DEFAULT_RECOVERY_MIB;
        if (logMib < MIN_RECOVERY_MIB || logMib > MAX_RECOVERY_MIB || logMib % MIN_RECOVERY_MIB != 0) {
            throw new IllegalArgumentException("--recovery-mib=" + logMib + " must be a multiple of " + MIN_RECOVERY_MIB
                + " between " + MIN_RECOVERY_MIB + " and " + MAX_RECOVERY_MIB);
        }
        checkDirectoryOption("--dir", dir);
        checkDirectoryOption("--plots", plots);
        if (json != null && Files.isDirectory(json)) {
            throw new IllegalArgumentException("--json=" + json + " is a directory; name a file");
        }
        DurabilityBench bench = new DurabilityBench(sectionNames);
        KEEL_LOG.setLevel(Level.WARNING);
        boolean createdRoot = !Files.exists(dir);
        Files.createDirectories(dir);
        Path runDir = Files.createTempDirectory(dir, "run-");
        Path written = createdRoot ? dir : runDir;
        // Ctrl-C must not leave gigabytes of benchmark files behind.
        Thread cleanup = new Thread(() -> deleteQuietly(written), "keel-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            BenchReport report = bench.run(settings(runDir, windowSeconds, logMib), System.out,
                new Progress(System.err, System.console() != null));
            writeOutputs(report, System.out);
        } catch (IllegalArgumentException e) {
            // The options were all checked above: anything rejected now is a failure of the run, not a usage error.
            throw new IllegalStateException(e.getMessage(), e);
        } finally {
            Runtime.getRuntime().removeShutdownHook(cleanup);
            BenchRun.deleteTree(written);
        }
        return KeelMain.EXIT_OK;
    }

    private BenchSettings settings(Path runDir, double windowSeconds, int logMib) throws IOException {
        List<String> backends = Aio.availableBackends();
        String best;
        try (AioContext ctx = Aio.open()) {
            best = ctx.backendName();
        }
        double warmupSeconds = Math.min(MAX_WARMUP_SECONDS, windowSeconds * WARMUP_FRACTION);
        return new BenchSettings(runDir, (long) (warmupSeconds * 1e9), (long) (windowSeconds * 1e9), quick,
            (long) logMib << 20, backends, best, BenchSettings.DEFAULT_ROUNDS);
    }

    private void writeOutputs(BenchReport report, PrintStream out) throws IOException {
        if (json != null) {
            JsonReport.write(report, json);
            out.println("  json: " + json.toAbsolutePath());
        }
        if (plots != null) {
            List<Path> charts = Charts.write(report, plots);
            out.println("  plots: " + charts.size() + " PNG charts in " + plots.toAbsolutePath());
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            BenchRun.deleteTree(dir);
        } catch (IOException e) {
            System.err.println("keel bench: could not remove " + dir + ": " + e.getMessage());
        }
    }

    private static void checkDirectoryOption(String name, Path path) {
        if (path != null && Files.exists(path) && !Files.isDirectory(path)) {
            throw new IllegalArgumentException(name + "=" + path + " exists and is not a directory");
        }
    }
}
