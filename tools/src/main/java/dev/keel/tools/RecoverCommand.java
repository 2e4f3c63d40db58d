package dev.keel.tools;

import dev.keel.aio.AioContext;
import dev.keel.recovery.CleanShutdown;
import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.LogRecovery;
import dev.keel.recovery.RecoveredLog;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.SegmentFiles;
import dev.keel.wal.DirectoryLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code keel recover}: the recovery {@code Wal.open} runs, without opening a writer after it.
 * For real it takes the writer's directory lock (so it refuses a log in use, naming the pid);
 * as a dry run it takes no lock and changes nothing.
 */
@Command(name = "recover", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    header = "Run recovery (cut a torn tail, set damage aside), or preview it with --dry-run.",
    description = {
        "Run recovery on a log, as Wal.open would, and report what was found and done: bytes cut from the end "
            + "(copied to quarantine/ first, never deleted), later segments set aside in quarantine/, LSNs skipped.",
        "Takes the directory lock, so it refuses a log that a live process has open (naming its pid). A log that "
            + "was closed cleanly (valid keel.clean) needs nothing and is left unchanged.",
        "With --dry-run nothing is changed and no lock is taken: it prints what recovery would do."},
    footer = {"", "Exit codes: 0 recovered (or nothing to do); 1 MODE refuses the damage found (nothing was "
        + "changed: see 'keel verify'), the log is in use, or it could not be read; 2 usage error.",
        "", "Examples:",
        "  keel recover /var/lib/app/wal --mode TOLERATE_CORRUPTED_TAIL --dry-run",
        "  keel recover /var/lib/app/wal --mode point-in-time"})
final class RecoverCommand implements Callable<Integer> {
    @Mixin
    LogDirOptions target;

    @Option(names = "--mode", paramLabel = "MODE", required = true, converter = RecoveryModeConverter.class,
        description = "Recovery mode (required: choose what may be cut): ${COMPLETION-CANDIDATES} (any case, '-' for '_').")
    RecoveryMode mode;

    @Option(names = "--dry-run", description = "Change nothing and take no lock; print what recovery would do (default: false).")
    boolean dryRun;


    @Override
    public Integer call() throws IOException {
        Path logDir = target.require();
        ReportPrinter print = target.printer();
        print.log();
        if (dryRun) {
            print.lock();
            return recover(logDir, print);
        }
        refuseForeignFiles(logDir);
        try (DirectoryLock lock = DirectoryLock.acquire(logDir)) {
            return recover(logDir, print);
        }
    }

    private int recover(Path logDir, ReportPrinter print) throws IOException {
        PrintWriter out = target.out();
        print.lastClose();
        out.println("mode: " + mode + (dryRun ? " (dry run: nothing is changed)" : ""));
        try (AioContext ctx = target.openReadContext()) {
            if (!dryRun && cleanlyClosed(ctx, logDir)) {
                out.println("changed: nothing (the log was closed cleanly: no recovery needed, keel.clean kept)");
                return KeelMain.EXIT_OK;
            }
            RecoveredLog log;
            try {
                log = new LogRecovery(ctx, mode, dryRun).recover(logDir);
            } catch (CorruptLogException e) {
                print.refusal(e, mode.toString());
                out.println("hint: 'keel verify " + logDir + "' reports all damage; --mode POINT_IN_TIME cuts the log before "
                    + "it, --mode SKIP_ANY_CORRUPTED_RECORDS skips it");
                return KeelMain.EXIT_FAILED;
            }
            print.scan(log.report());
            print.damage(log.report().damage());
            print.outcome(log, dryRun);
            print.duration(log.report());
            return KeelMain.EXIT_OK;
        }
    }

    /**
     * True when the clean-shutdown marker holds (checked as a dry run: headers and the COMMIT frame
     * only). Recovery for real would consume the marker, and the next open would rescan for nothing.
     */
    private boolean cleanlyClosed(AioContext ctx, Path logDir) throws IOException {
        return CleanShutdown.read(logDir) != null && new LogRecovery(ctx, mode, true).recover(logDir).report().cleanShutdown();
    }

    /** Refuses, before the lock file is created, a directory that is not a Keel log's. */
    private static void refuseForeignFiles(Path logDir) throws IOException {
        List<Path> unknown = SegmentFiles.list(logDir).unknown();
        if (!unknown.isEmpty()) {
            throw new IOException(logDir + " holds " + unknown.size() + " file(s) Keel does not own, first "
                + unknown.get(0).getFileName() + ": not a Keel log directory, nothing was changed");
        }
    }
}
