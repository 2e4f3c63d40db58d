package dev.keel.tools;

import dev.keel.aio.AioContext;
import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.LogInspector;
import dev.keel.recovery.LogRecovery;
import dev.keel.recovery.RecordCursor;
import dev.keel.recovery.RecoveredLog;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.RecoveryReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code keel verify}: reads every segment, as recovery would after a crash, and reports all
 * damage found and what a recovery mode would do with it, changing nothing on disk. It never
 * takes the directory lock, so a log a live Wal is writing can be verified: the report is then a
 * snapshot (and says so, naming the writer's pid).
 */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    header = "Check a log for damage, changing nothing.",
    description = {
        "Check a log for damage without changing anything (recovery as a dry run: no file is written, moved, "
            + "created or deleted, keel.clean and .prep files included).",
        "Every segment is read, even after a clean close. Prints the mode, segments and bytes scanned, records and "
            + "their LSN range, each damaged range (segment, offset, length, kind, detail), what MODE would cut, set "
            + "aside or skip, and the duration and GB/s.",
        "Verify never takes the directory lock: a log that a live process is writing may be verified, read-only; "
            + "the report is then a snapshot (it names the writer's pid), and a write in flight may show as a torn tail."},
    footer = {"", "Exit codes: 0 no damage; 1 damage found (even when MODE would tolerate it: verify is about "
        + "finding damage), or the log could not be read; 2 usage error.",
        "", "Examples:",
        "  keel verify /var/lib/app/wal",
        "  keel verify /var/lib/app/wal --mode point-in-time"})
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    LogDirOptions target;

    @Mixin
    WalOpenModeOption walOpen;

    @Override
    public Integer call() throws IOException {
        ReportPrinter print = target.printer().preamble();
        Path logDir = target.require();
        PrintWriter out = target.out();
        out.println("mode: " + walOpen.mode);
        try (AioContext ctx = target.openReadContext()) {
            RecoveryReport found;
            try {
                // SKIP_ANY_CORRUPTED_RECORDS steps over mid-log damage, so one scan lists all of it.
                found = new LogRecovery(ctx, RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS, true, false).recover(logDir).report();
            } catch (CorruptLogException e) {
                print.refusal(e, "every recovery mode"); // only an unknown format version stops the scan itself
                out.println("verdict: DAMAGED");
                return KeelMain.EXIT_FAILED;
            }
            print.scan(found);
            print.damage(found.damage());
            if (!found.damage().isEmpty()) {
                modeVerdict(ctx, logDir, print, out);
            }
            print.duration(found);
            out.println("verdict: " + (found.damage().isEmpty() ? "CLEAN" : "DAMAGED"));
            return found.damage().isEmpty() ? KeelMain.EXIT_OK : KeelMain.EXIT_FAILED;
        }
    }

    /**
     * What {@code Wal.open} in MODE does with the damage (recovery as a dry run, trusting a clean
     * close as the open does), and what its readers then return: the same cursor they walk with.
     */
    private void modeVerdict(AioContext ctx, Path logDir, ReportPrinter print, PrintWriter out) throws IOException {
        RecoveredLog log;
        try {
            log = LogInspector.asWalOpen(ctx, logDir, walOpen.mode);
        } catch (CorruptLogException e) {
            out.println("would refuse: Wal.open in " + walOpen.mode + " throws CorruptLogException (first: " + e.damage().get(0)
                + "); POINT_IN_TIME would cut the log before the damage, SKIP_ANY_CORRUPTED_RECORDS would skip it");
            return;
        }
        if (log.report().cleanShutdown()) {
            out.println("would open: Wal.open in " + walOpen.mode + " trusts the clean close (keel.clean valid) and reads no segment,"
                + " so it does not see this damage");
        }
        print.outcome(log, true);
        long read = 0;
        long last = log.nextLsn() - 1;
        try (RecordCursor records = LogInspector.records(ctx, log, Math.max(1, log.report().firstLsn()), walOpen.mode)) {
            while (records.next(last)) {
                read++;
            }
            out.println("readers: return " + read + " record(s), up to LSN " + last);
        } catch (CorruptLogException e) {
            out.println("readers: throw CorruptLogException at LSN " + e.lsn() + " (after " + read + " record(s)): "
                + e.damage().get(0));
        }
    }
}
