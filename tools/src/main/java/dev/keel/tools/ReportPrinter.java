package dev.keel.tools;

import dev.keel.recovery.CleanShutdown;
import dev.keel.recovery.CorruptLogException;
import dev.keel.recovery.Damage;
import dev.keel.recovery.RecoveredLog;
import dev.keel.recovery.RecoveryReport;
import dev.keel.recovery.SegmentFiles;
import dev.keel.wal.LockHolder;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Prints the facts the log tools report, one "key: value" line each, so that people can read
 * them and scripts can grep them. What recovery did and what a dry run would do are printed by
 * the same code, in the past or the conditional tense.
 */
final class ReportPrinter {
    private final PrintWriter out;
    private final Path dir;

    ReportPrinter(PrintWriter out, Path dir) {
        this.out = out;
        this.dir = dir;
    }

    /**
     * The lines every report on a whole log directory starts with: the log, its lock, its last
     * close. Returns this printer, for the rest of the report.
     */
    ReportPrinter preamble() throws IOException {
        log();
        lock();
        lastClose();
        return this;
    }

    void log() {
        out.println("log: " + dir.toAbsolutePath());
    }

    /** Whether a live process holds the directory's lock: then everything printed is a snapshot. */
    void lock() {
        Optional<String> holder = LockHolder.of(dir);
        out.println("lock: " + holder.map(h -> "held by " + h + ": a live writer has the log open, this is a snapshot"
            + " (its last write may show as a torn tail)").orElse("free"));
    }

    /** Whether the last close was clean: keel.clean present and valid. */
    void lastClose() throws IOException {
        CleanShutdown marker = CleanShutdown.read(dir);
        if (marker != null) {
            out.println("last close: clean (keel.clean valid: last LSN " + marker.lastLsn() + ", segment "
                + marker.lastSegmentIndex() + " ends at offset " + marker.endOffsetBytes() + ")");
        } else if (Files.exists(dir.resolve(SegmentFiles.CLEAN_FILE))) {
            out.println("last close: not clean (keel.clean is present but not valid)");
        } else {
            out.println("last close: not clean (no keel.clean: a crash, or a writer has the log open)");
        }
    }

    /** Segments and bytes read, records and their LSN range. */
    void scan(RecoveryReport r) {
        out.println("segments: " + r.segmentsScanned() + (r.cleanShutdown() ? " (headers only: clean shutdown)" : " scanned")
            + ", " + Sizes.bytes(r.bytesScanned()) + " read");
        out.println("records: " + r.recordsFound() + (r.recordsFound() == 0 ? " (empty log)"
            : ", LSN " + r.firstLsn() + ".." + r.lastLsn()));
    }

    /** Each damaged range: segment, offset, length, kind, detail. */
    void damage(List<Damage> damage) {
        out.println("damage: " + (damage.isEmpty() ? "none" : damage.size() + " range(s)"));
        for (Damage d : damage) {
            out.println("  " + d.segment().getFileName() + " offset " + d.offsetBytes() + " length " + d.lengthBytes() + ": "
                + d.kind() + " (" + d.detail() + ")");
        }
    }

    void duration(RecoveryReport r) {
        out.println("duration: " + r.durationNanos() / 1_000_000 + " ms, " + Sizes.rate(r.bytesPerSecond()));
    }

    /** What recovery cut, set aside and skipped, and the log it left (or, with {@code dryRun}, would). */
    void outcome(RecoveredLog log, boolean dryRun) {
        RecoveryReport r = log.report();
        String would = dryRun ? "would " : "";
        if (r.bytesCut() == 0 && r.quarantined().isEmpty() && r.gaps().isEmpty()) {
            out.println(would + (dryRun ? "change: nothing" : "changed: nothing") + " (no cut, nothing set aside, no LSN skipped)");
        }
        if (r.bytesCut() > 0) {
            out.println(would + "cut: " + r.bytesCut() + " bytes from the end of the log");
        }
        for (Path q : r.quarantined()) {
            out.println(would + "set aside: " + dir.relativize(q));
        }
        if (!r.gaps().isEmpty()) {
            long lost = r.gaps().stream().mapToLong(g -> g.lastLsn() - g.firstLsn() + 1).sum();
            String lsns = r.gaps().stream().map(Object::toString).collect(Collectors.joining(", "));
            out.println((dryRun ? "would skip" : "skipped") + ": LSN " + lsns + " (" + lost + " record(s) lost to damage)");
        }
        String kept = r.recordsFound() == 0 ? "no records" : "LSN " + r.firstLsn() + ".." + r.lastLsn() + " ("
            + r.recordsFound() + " records)";
        out.println((dryRun ? "would keep" : "kept") + ": " + kept + "; the next append gets LSN " + log.nextLsn());
    }

    /** The damage that made a mode refuse the log; nothing was changed. */
    void refusal(CorruptLogException e, String who) {
        out.println(who + " refuses the log (CorruptLogException): " + e.damage().size() + " damaged range(s) it does not allow;"
            + " nothing was changed");
        damage(e.damage());
    }
}
