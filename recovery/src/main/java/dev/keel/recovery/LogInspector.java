package dev.keel.recovery;

import dev.keel.aio.AioContext;
import dev.keel.recovery.format.SegmentHeaderDescriptor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A read-only look at a log directory for tools ({@code keel stat}, {@code verify}, {@code dump}):
 * the segments and findings of the recovery scanner, and records through the reader's own
 * cursor. Nothing here decides what a valid log is: {@link LogScanner} does, for recovery, for the
 * clean-shutdown path and for this inspector alike, so the tools and {@code Wal.open} cannot
 * disagree. Never changes a file and takes no lock.
 */
public final class LogInspector {
    /**
     * One segment file as the scanner saw it.
     *
     * @param header the decoded header when the scanner accepted it, else null
     * @param blank the header block is all zeros: prepared ahead, never written
     * @param headerProblem why the header cannot be used, or null
     * @param records records accepted in it (0 after a header-only look)
     * @param endOffsetBytes where its accepted frames end
     */
    public record Segment(long index, Path path, long fileBytes, SegmentHeaderDescriptor.Header header, boolean blank,
                          String headerProblem, long firstLsn, long lastLsn, long records, long endOffsetBytes) {
    }

    /**
     * One thing wrong, as the scanner found it.
     *
     * @param blockedLsn the first record it may have destroyed (0: none expected yet)
     * @param evidence what proves it held an acknowledged record (NONE: it can be a torn tail)
     */
    public record Found(Damage damage, long blockedLsn, DamageTable.Evidence evidence) {
    }

    private final LogScanner scanner;
    private final AioContext ctx;

    private LogInspector(AioContext ctx, LogScanner scanner) {
        this.ctx = ctx;
        this.scanner = scanner;
    }

    /** Reads every segment, as recovery after a crash does, and weighs what it finds against keel.clean. */
    public static LogInspector scan(AioContext ctx, Path dir) throws IOException {
        LogScanner scanner = new LogScanner(ctx);
        scanner.scan(dir, SegmentFiles.list(dir).segments(), CleanShutdown.read(dir));
        return new LogInspector(ctx, scanner);
    }

    /** Reads only each segment's header, with the scanner's checks. */
    public static LogInspector headers(AioContext ctx, Path dir) throws IOException {
        LogScanner scanner = new LogScanner(ctx);
        scanner.scanHeaders(SegmentFiles.list(dir).segments());
        return new LogInspector(ctx, scanner);
    }

    /**
     * What {@code Wal.open} in {@code mode} does with the log, changing nothing: recovery as a dry
     * run that trusts a clean close as {@code Wal.open} does.
     *
     * @throws CorruptLogException when {@code Wal.open} in that mode would
     */
    public static RecoveredLog asWalOpen(AioContext ctx, Path dir, RecoveryMode mode) throws IOException {
        return new LogRecovery(ctx, mode, true, true).recover(dir);
    }

    /**
     * The records a reader of the Wal opened on {@code log} in {@code mode} returns, from
     * {@code fromLsn}: the cursor {@code WalReader} walks with, limited to the log's last LSN.
     */
    public static RecordCursor records(AioContext ctx, RecoveredLog log, long fromLsn, RecoveryMode mode) {
        return new RecordCursor(ctx, RecordCursor.listed(log.segments()), log.logId(), fromLsn,
            mode == RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS);
    }

    /**
     * The records as they lie, for a log {@code Wal.open} refuses: over the segments whose headers
     * the scan accepted, never skipping damage, so the first damage a reader would meet throws.
     * Read it up to {@link #lastLsn()}.
     */
    public RecordCursor records(long fromLsn) {
        List<SegmentInfo> readable = new ArrayList<>();
        for (Segment s : segments()) {
            long first = s.header() != null ? s.header().firstLsn() : s.records() > 0 ? s.firstLsn() : 0;
            if (first > 0) {
                readable.add(new SegmentInfo(s.index(), s.path(), first, Math.max(first - 1, s.lastLsn()), s.endOffsetBytes()));
            }
        }
        return new RecordCursor(ctx, RecordCursor.listed(readable), scanner.logId(), fromLsn, false);
    }

    public List<Segment> segments() {
        List<Segment> out = new ArrayList<>();
        for (SegmentScan s : scanner.segments()) {
            out.add(new Segment(s.index, s.path, s.fileBytes, s.header, s.blank, s.headerProblem, s.firstLsn, s.lastLsn,
                s.records, s.endOffset));
        }
        return out;
    }

    public List<Found> findings() {
        List<Found> out = new ArrayList<>();
        for (Finding f : scanner.findings()) {
            out.add(new Found(f.toDamage(), f.blockedLsn, f.evidence()));
        }
        return out;
    }

    /** The highest record LSN the scan accepted; 0 when none. */
    public long lastLsn() {
        long last = 0;
        for (SegmentScan s : scanner.segments()) {
            last = Math.max(last, s.lastLsn);
        }
        return last;
    }

    public long bytesRead() {
        return scanner.bytesRead();
    }
}
