package dev.keel.tools;

import dev.keel.aio.AioContext;
import dev.keel.recovery.LogInspector;
import dev.keel.recovery.LogRecovery;
import dev.keel.recovery.RecoveredLog;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.RecoveryReport;
import dev.keel.recovery.SegmentFiles;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import dev.keel.recovery.SegmentInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code keel stat}: what a log directory holds, read-only and without the lock. The LSN
 * ranges come from a recovery dry run in SKIP_ANY_CORRUPTED_RECORDS (it never refuses, so
 * damage does not hide the rest), which reads only headers after a clean close.
 */
@Command(name = "stat", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    header = "Describe a log directory: segments, LSN range, sizes, last close, quarantine.",
    description = {
        "Describe a log directory, changing nothing and taking no lock: each segment (index, file, size, header "
            + "fields, LSN range), the log's LSN range, total size in bytes and MiB, whether the last close was clean "
            + "(keel.clean present and valid), whether a live process holds the lock, and quarantine/'s contents.",
        "After a crash the segments are scanned to find the LSN ranges; after a clean close only their headers "
            + "are read. Damage is counted, not judged: 'keel verify' does that."},
    footer = {"", "Exit codes: 0 described; 1 the directory could not be read; 2 usage error.",
        "", "Example:",
        "  keel stat /var/lib/app/wal"})
final class StatCommand implements Callable<Integer> {
    @Mixin
    LogDirOptions target;

    @Override
    public Integer call() throws IOException {
        ReportPrinter print = target.printer().preamble();
        Path logDir = target.require();
        PrintWriter out = target.out();
        List<LogInspector.Segment> segments;
        RecoveredLog log;
        try (AioContext ctx = target.openReadContext()) {
            segments = LogInspector.headers(ctx, logDir).segments();
            log = new LogRecovery(ctx, RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS, true).recover(logDir);
        }
        long totalBytes = segments.stream().mapToLong(LogInspector.Segment::fileBytes).sum();
        out.println("segments: " + segments.size() + ", " + Sizes.bytes(totalBytes));
        for (LogInspector.Segment p : segments) {
            segment(out, p, log);
        }
        RecoveryReport r = log.report();
        out.println("LSN range: " + (r.recordsFound() == 0 ? "none (empty log)"
            : r.firstLsn() + ".." + r.lastLsn() + " (" + r.recordsFound() + " records)"));
        out.println("damage: " + (r.cleanShutdown() ? "not scanned (clean close: only headers were read)"
            : r.damage().isEmpty() ? "none found" : r.damage().size() + " range(s): run 'keel verify " + logDir + "'"));
        quarantine(out, logDir.resolve(SegmentFiles.QUARANTINE_DIR));
        return KeelMain.EXIT_OK;
    }

    private static void segment(PrintWriter out, LogInspector.Segment p, RecoveredLog log) {
        out.println("segment " + p.index() + ": " + p.path().getFileName() + ", " + Sizes.bytes(p.fileBytes()));
        SegmentHeaderDescriptor.Header h = p.header();
        if (h != null) {
            out.println("  header: format " + h.formatVersion() + ", log " + Long.toHexString(h.logId()) + ", segment "
                + h.segmentIndex() + ", first LSN " + h.firstLsn() + ", segment bytes " + h.segmentBytes() + ", created "
                + Instant.ofEpochMilli(h.createdMillis()));
        }
        if (p.blank()) {
            out.println("  header: blank (prepared ahead, never written)");
        } else if (p.headerProblem() != null) {
            out.println("  header: unusable: " + p.headerProblem());
        }
        SegmentInfo live = log.segments().stream().filter(s -> s.index() == p.index()).findFirst().orElse(null);
        if (live != null) {
            out.println("  records: " + (live.isEmpty() ? "none" : "LSN " + live.firstLsn() + ".." + live.lastLsn())
                + ", frames end at offset " + live.endOffsetBytes());
        } else if (!log.spareSegments().contains(p.path())) {
            out.println("  records: none recovery would keep (it would set this segment aside)");
        }
    }

    private static void quarantine(PrintWriter out, Path q) throws IOException {
        if (!Files.isDirectory(q)) {
            out.println("quarantine: empty (no quarantine/ directory)");
            return;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(q)) {
            files = s.sorted().toList();
        }
        long bytes = 0;
        for (Path f : files) {
            bytes += Files.size(f);
        }
        out.println("quarantine: " + (files.isEmpty() ? "empty" : files.size() + " file(s), " + Sizes.bytes(bytes)));
        for (Path f : files) {
            out.println("  " + f.getFileName() + ", " + Files.size(f) + " bytes");
        }
    }
}
