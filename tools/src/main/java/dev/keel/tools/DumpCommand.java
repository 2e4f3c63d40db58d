package dev.keel.tools;

import dev.keel.aio.AioContext;
import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.Damage;
import dev.keel.recovery.LogRecovery;
import dev.keel.recovery.RecoveryMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code keel dump}: prints a log's records, as kafka-dump-log and etcd-dump-logs do. Read-only,
 * without the writer's lock. It stops where the valid data stops; only then, to say on stderr
 * whether that was a torn tail or worse, does it ask recovery (a dry run over the whole log).
 */
@Command(name = "dump", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    header = "Print a log's records (text, jsonl or hex), read-only.",
    description = {
        "Print a log's records in LSN order: LSN, segment, offset, length and the payload. Read-only; takes no lock, "
            + "so a log that a live process is writing can be dumped (a snapshot).",
        "Stops at the first damage: a torn tail (an incomplete last write) is said so on stderr and exits 0; the "
            + "damaged frame itself is printed when its header is readable, with crc INVALID. Damage with durable "
            + "records after it exits 1 (see 'keel verify')."},
    footer = {"", "Formats:",
        "  text   lsn: 7 segment: 1 offset: 4288 length: 8 crc: valid payload: \"record 7\"",
        "         (printable ASCII in quotes, else 0x-hex; --preview-bytes of it)",
        "  jsonl  {\"lsn\":7,\"segment\":1,\"file\":\"wal-...seg\",\"offset\":4288,\"length\":8,",
        "         \"crc_valid\":true,\"payload\":\"<base64>\"}",
        "  hex    the text fields, then hexdump -C of the whole payload",
        "", "Exit codes: 0 printed (to the end, to --limit, or to a torn tail); 1 stopped at damage that is not a torn "
            + "tail, or the log could not be read; 2 usage error.",
        "", "Examples:",
        "  keel dump /var/lib/app/wal --limit 10",
        "  keel dump /var/lib/app/wal --from 5000 --format jsonl | jq .lsn",
        "  keel dump /var/lib/app/wal --from 42 --limit 1 --format hex"})
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


    @Override
    public Integer call() throws IOException {
        checkOptions();
        Path logDir = target.require();
        PrintWriter out = target.out();
        RecordPrinter printer = format.printer(previewBytes);
        long printed = 0;
        try (AioContext ctx = target.openReadContext();
             RecordWalker walker = new RecordWalker(ctx, HeaderProbe.readAll(logDir), fromLsn)) {
            DumpedRecord r;
            while ((limit == null || printed < limit) && (r = walker.next()) != null) {
                printer.print(r, out);
                printed++;
            }
            out.flush();
            StopPoint stop = walker.stop();
            if (stop == null) {
                return KeelMain.EXIT_OK; // --limit reached
            }
            if (stop.isEnd()) {
                if (printed == 0) {
                    target.note("no records at or after LSN " + fromLsn);
                }
                return KeelMain.EXIT_OK;
            }
            return explainDamage(ctx, logDir, stop);
        }
    }

    private void checkOptions() {
        if (fromLsn < 1) {
            throw target.usage("--from=" + fromLsn + " must be >= 1 (LSNs start at 1)");
        }
        if (limit != null && limit < 1) {
            throw target.usage("--limit=" + limit + " must be >= 1 (leave it out for all)");
        }
        if (previewBytes < 1 || previewBytes > MAX_PREVIEW_BYTES) {
            throw target.usage("--preview-bytes=" + previewBytes + " must be between 1 and "
                + MAX_PREVIEW_BYTES);
        }
    }

    /** Says on stderr where the walk stopped and whether recovery calls it a torn tail (exit 0) or damage (exit 1). */
    private int explainDamage(AioContext ctx, Path logDir, StopPoint stop) throws IOException {
        String where = stop.segment().getFileName() + " offset " + stop.offsetBytes();
        try {
            List<Damage> tail = new LogRecovery(ctx, RecoveryMode.TOLERATE_CORRUPTED_TAIL, true, false).recover(logDir)
                .report().damage();
            target.note("stopped at a torn tail: " + describe(tail, stop, where) + "; an incomplete last write, never "
                + "acknowledged: recovery cuts it");
            return KeelMain.EXIT_OK;
        } catch (CorruptLogException e) {
            target.note("stopped at damage: " + describe(e.damage(), stop, where) + ", with durable records after it; run "
                + "'keel verify " + logDir + "' for the full report");
            return KeelMain.EXIT_FAILED;
        }
    }

    /** Recovery's account of the damage in the segment the walk stopped in, or the walker's own. */
    private static String describe(List<Damage> damage, StopPoint stop, String where) {
        return damage.stream().filter(d -> d.segment().getFileName().equals(stop.segment().getFileName()))
            .findFirst().map(Damage::toString).orElse(where + ": " + stop.detail());
    }
}
