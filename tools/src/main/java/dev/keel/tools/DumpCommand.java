package dev.keel.tools;

import dev.keel.aio.AioContext;
import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.Damage;
import dev.keel.recovery.LogInspector;
import dev.keel.recovery.RecordCursor;
import dev.keel.recovery.RecoveredLog;
import dev.keel.recovery.RecoveryMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code keel dump}: prints a log's records, as kafka-dump-log and etcd-dump-logs do. Read-only,
 * without the writer's lock. It prints exactly what a reader of {@code Wal.open} in {@code --mode}
 * returns, and stops where that reader stops: it runs recovery as a dry run (as the open would),
 * then walks the records with the reader's own cursor ({@link LogInspector#records}). A log the
 * mode refuses is walked as it lies, up to the first damage.
 */
@Command(name = "dump", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    header = "Print a log's records (text, jsonl or hex), read-only.",
    description = {
        "Print a log's records in LSN order: LSN, segment, offset, length and the payload. Read-only; takes no lock, "
            + "so a log that a live process is writing can be dumped (a snapshot).",
        "Prints exactly the records a reader of Wal.open in MODE returns, and stops where it stops: a torn tail that "
            + "MODE cuts ends the dump (said on stderr, exit 0); damage below the log's last LSN stops it with exit 1, "
            + "naming the segment, offset and LSN (as the reader's CorruptLogException does). When MODE refuses the log, "
            + "the records before the first damage are printed, then exit 1 (see 'keel verify')."},
    footer = {"", "Formats:",
        "  text   lsn: 7 segment: 1 offset: 4288 length: 8 crc: valid payload: \"record 7\"",
        "         (printable ASCII in quotes, else 0x-hex; --preview-bytes of it)",
        "  jsonl  {\"lsn\":7,\"segment\":1,\"file\":\"wal-...seg\",\"offset\":4288,\"length\":8,",
        "         \"crc_valid\":true,\"payload\":\"<base64>\"}",
        "  hex    the text fields, then hexdump -C of the whole payload",
        "", "Exit codes: 0 printed (to the end, to --limit, or to a torn tail MODE cuts); 1 stopped at damage that is not "
            + "a torn tail, MODE refuses the log, or it could not be read; 2 usage error.",
        "", "Examples:",
        "  keel dump /var/lib/app/wal --limit 10",
        "  keel dump /var/lib/app/wal --from 5000 --format jsonl | jq .lsn",
        "  keel dump /var/lib/app/wal --from 42 --limit 1 --format hex --mode skip-any-corrupted-records"})
final class DumpCommand implements Callable<Integer> {
    private static final int MAX_PREVIEW_BYTES = 1 << 20;

    @Mixin
    LogDirOptions target;

    @Option(names = "--from", paramLabel = "LSN", defaultValue = "1",
        description = "First LSN to print (default: ${DEFAULT-VALUE}: the oldest record still in the log).")
    long fromLsn;

    @Option(names = "--limit", paramLabel = "N", description = "Print at most N records (default: all).")
    Long limit;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
        description = "text, jsonl or hex (default: ${DEFAULT-VALUE}); see Formats below.")
    DumpFormat format;

    @Option(names = "--preview-bytes", paramLabel = "BYTES", defaultValue = "64",
        description = "Payload bytes the text format shows (default: ${DEFAULT-VALUE}).")
    int previewBytes;

    @Mixin
    WalOpenModeOption walOpen;

    @Override
    public Integer call() throws IOException {
        checkOptions();
        Path logDir = target.require();
        RecordPrinter printer = format.printer(previewBytes);
        try (AioContext ctx = target.openReadContext()) {
            RecoveredLog log;
            try {
                log = LogInspector.asWalOpen(ctx, logDir, walOpen.mode);
            } catch (CorruptLogException refused) {
                return dumpRefused(ctx, logDir, printer, refused);
            }
            long last = log.nextLsn() - 1;
            try (RecordCursor records = LogInspector.records(ctx, log, fromLsn, walOpen.mode)) {
                long printed = print(records, last, printer);
                if (printed == 0 && (limit == null || limit > 0)) {
                    target.note("no records at or after LSN " + fromLsn);
                }
            } catch (CorruptLogException e) {
                target.out().flush();
                target.note("stopped at damage: " + e.damage().get(0) + "; a reader of Wal.open in " + walOpen.mode
                    + " throws CorruptLogException here (LSN " + e.lsn() + "); run 'keel verify " + logDir + "'");
                return KeelMain.EXIT_FAILED;
            }
            return explainEnd(ctx, logDir, log);
        }
    }

    /** Prints records up to {@code lastLsn} and --limit; returns how many. */
    private long print(RecordCursor records, long lastLsn, RecordPrinter printer) throws IOException {
        long printed = 0;
        while ((limit == null || printed < limit) && records.next(lastLsn)) {
            printer.print(record(records), target.out());
            printed++;
        }
        target.out().flush();
        return printed;
    }

    private static DumpedRecord record(RecordCursor r) {
        ByteBuffer payload = r.payload();
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        return new DumpedRecord(r.lsn(), r.segmentIndex(), r.segment(), r.frameOffset(), bytes.length, bytes);
    }

    /**
     * After the last record: says on stderr what recovery in MODE set aside or skipped, and exits 1
     * unless all of it was a torn tail (what the default mode would cut, nothing acknowledged).
     */
    private int explainEnd(AioContext ctx, Path logDir, RecoveredLog log) throws IOException {
        List<Damage> damage = log.report().damage();
        if (damage.isEmpty()) {
            return KeelMain.EXIT_OK;
        }
        boolean tornTailOnly = true; // the default mode opens a log only when all its damage is a torn tail
        try {
            if (walOpen.mode != RecoveryMode.TOLERATE_CORRUPTED_TAIL) {
                LogInspector.asWalOpen(ctx, logDir, RecoveryMode.TOLERATE_CORRUPTED_TAIL);
            }
        } catch (CorruptLogException e) {
            tornTailOnly = false;
        }
        String what = tornTailOnly ? "a torn tail (an incomplete last write, never acknowledged), which Wal.open in " + walOpen.mode
            + " cuts" : "damage that Wal.open in " + walOpen.mode + " " + (log.report().gaps().isEmpty() ? "cuts" : "skips")
            + "; run 'keel verify " + logDir + "'";
        target.note("stopped at LSN " + (log.nextLsn() - 1) + ": after it, " + what + ": " + damage.get(0)
            + (damage.size() > 1 ? " (and " + (damage.size() - 1) + " more)" : ""));
        return tornTailOnly ? KeelMain.EXIT_OK : KeelMain.EXIT_FAILED;
    }

    /** MODE refuses the log: the records before the first damage, as they lie, then exit 1. */
    private int dumpRefused(AioContext ctx, Path logDir, RecordPrinter printer, CorruptLogException refused)
        throws IOException {
        LogInspector scan = LogInspector.scan(ctx, logDir);
        try (RecordCursor records = scan.records(fromLsn)) {
            print(records, scan.lastLsn(), printer);
        } catch (CorruptLogException e) {
            target.out().flush(); // the first damage a reader meets: what the note below names first
        }
        target.note("Wal.open in " + walOpen.mode + " refuses this log (CorruptLogException): " + refused.damage().get(0)
            + (refused.damage().size() > 1 ? " (and " + (refused.damage().size() - 1) + " more)" : "")
            + "; printed the records before it; run 'keel verify " + logDir + "'");
        return KeelMain.EXIT_FAILED;
    }

    private void checkOptions() {
        if (fromLsn < 1) {
            throw target.usage("--from=" + fromLsn + " must be >= 1 (LSNs start at 1)");
        }
        if (limit != null && limit < 1) {
            throw target.usage("--limit=" + limit + " must be >= 1 (leave it out for all)");
        }
        if (previewBytes < 1 || previewBytes > MAX_PREVIEW_BYTES) {
            throw target.usage("--preview-bytes=" + previewBytes + " must be between 1 and " + MAX_PREVIEW_BYTES);
        }
    }
}
