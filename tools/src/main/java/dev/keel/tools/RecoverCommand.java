package dev.keel.tools;

import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.RecoveredLog;
import dev.keel.recovery.RecoveryMode;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code keel recover}: the recovery {@code Wal.open} runs, without opening a writer after it,
 * through the library's own entry point ({@link Wal#repair}): for real it takes the writer's
 * directory lock (so it refuses a log in use, naming the pid); as a dry run it takes no lock and
 * changes nothing.
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
        }
        PrintWriter out = target.out();
        print.lastClose();
        out.println("mode: " + mode + (dryRun ? " (dry run: nothing is changed)" : ""));
        RecoveredLog log;
        try {
            log = Wal.repair(logDir, WalOptions.defaults().recoveryMode(mode).aioBackend(target.backend), dryRun);
        } catch (CorruptLogException e) {
            print.refusal(e, mode.toString());
            out.println("hint: 'keel verify " + logDir + "' reports all damage; --mode POINT_IN_TIME cuts the log before "
                + "it, --mode SKIP_ANY_CORRUPTED_RECORDS skips it");
            return KeelMain.EXIT_FAILED;
        }
        if (!dryRun && log.report().cleanShutdown()) {
            out.println("changed: nothing (the log was closed cleanly: no recovery needed, keel.clean kept)");
            return KeelMain.EXIT_OK;
        }
        print.scan(log.report());
        print.damage(log.report().damage());
        print.outcome(log, dryRun);
        print.duration(log.report());
        return KeelMain.EXIT_OK;
    }
}
