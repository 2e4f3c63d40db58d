package dev.keel.recovery;

import dev.keel.recovery.format.SegmentHeaderDescriptor;
import dev.keel.aio.AddressOf;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import dev.keel.aio.Storage;
import dev.keel.aio.SyncMode;
import org.agrona.BufferUtil;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens a log directory for writing: scans it (or trusts a clean shutdown), applies the
 * {@link DamageTable} for the mode, and repairs what the mode allows. Repair never deletes
 * data: cut bytes are copied to {@code quarantine/} before they are zeroed in place (zeroed,
 * so that frames beyond the new end can never be mistaken for records appended later), and
 * later segments are moved there whole. With {@code dryRun} nothing is changed.
 */
public final class LogRecovery {
    private static final int ZERO_CHUNK_BYTES = 1 << 20;

    private final AioContext ctx;
    private final RecoveryMode mode;
    private final boolean dryRun;
    private final boolean trustCleanShutdown;

    public LogRecovery(AioContext ctx, RecoveryMode mode, boolean dryRun) {
        this(ctx, mode, dryRun, true);
    }

    /**
     * @param trustCleanShutdown true (what {@code Wal.open} does) to skip the scan after a clean
     *     close; false to read every segment anyway, as {@code keel verify} must: a clean close
     *     says nothing about damage to sealed segments since
     */
    /** Segments below this index are not the log's (see {@link #ignoringSegmentsBelow}). */
    private long firstLiveSegment;

    public LogRecovery(AioContext ctx, RecoveryMode mode, boolean dryRun, boolean trustCleanShutdown) {
        this.ctx = ctx;
        this.mode = mode;
        this.dryRun = dryRun;
        this.trustCleanShutdown = trustCleanShutdown;
    }

    /**
     * Recovery that leaves out the segments below {@code epochSegment}, and a clean-shutdown
     * marker that describes them: a reset of the log committed (wal-core's {@code keel.head} names
     * the epoch) and a crash came before they were deleted. {@code Wal.open} deletes them first; a
     * dry run, which deletes nothing, reads the log without them.
     */
    public LogRecovery ignoringSegmentsBelow(long epochSegment) {
        this.firstLiveSegment = epochSegment;
        return this;
    }

    public RecoveredLog recover(Path dir) throws IOException {
        long start = System.nanoTime();
        Storage storage = ctx.storage();
        SegmentFiles.Listing all = SegmentFiles.listOwned(storage, dir);
        SegmentFiles.Listing listing = new SegmentFiles.Listing(all.segments().stream()
            .filter(p -> SegmentFiles.indexOf(p) >= firstLiveSegment).toList(), all.preparing(), all.spares(), all.unknown());
        CleanShutdown marker = CleanShutdown.read(dir);
        boolean markerOfThisEpoch = marker == null || marker.lastSegmentIndex() >= firstLiveSegment;
        if (!dryRun) {
            for (Path p : listing.preparing()) {
                storage.deleteIfExists(p); // zero-filled, never held a record
            }
        }
        RecoveredLog clean = trustCleanShutdown && markerOfThisEpoch ? new CleanPath(ctx, mode).tryOpen(dir, listing.segments(), start)
            : null;
        if (clean != null) {
            if (!dryRun) {
                storage.deleteIfExists(dir.resolve(SegmentFiles.CLEAN_FILE));
                storage.syncDirectory(dir);
            }
            return clean;
        }
        LogScanner scanner = new LogScanner(ctx);
        scanner.scan(dir, listing.segments(), markerOfThisEpoch ? marker : null);
        RecoveredLog recovered = decide(dir, scanner, start);
        if (!dryRun && storage.deleteIfExists(dir.resolve(SegmentFiles.CLEAN_FILE))) {
            // A marker the fast path could not trust; the scan has replaced it.
            storage.syncDirectory(dir);
        }
        return recovered;
    }

    private RecoveredLog decide(Path dir, LogScanner scanner, long start) throws IOException {
        List<SegmentScan> segs = scanner.segments();
        List<Damage> damage = new ArrayList<>();
        List<LsnRange> gaps = new ArrayList<>();
        Finding cut = null;
        long skippedTo = 0; // the LSN after the last one a clean-shutdown marker proves, when SKIP stepped over its loss
        List<Damage> fatal = new ArrayList<>();
        for (Finding f : scanner.findings()) {
            if (cut != null && f.kind != DamageKind.UNKNOWN_FORMAT_VERSION) {
                continue; // beyond the cut: set aside whole; only a format this Keel cannot read stops the cut
            }
            DamageTable.Evidence evidence = f.evidence();
            if (evidence != DamageTable.Evidence.NONE && (f.kind == DamageKind.TORN_HEADER || f.kind == DamageKind.TORN_PAYLOAD)) {
                f.kind = DamageKind.BAD_CRC;
            }
            damage.add(f.toDamage());
            DamageTable.Action action = DamageTable.decide(mode, f.kind, evidence);
            long resumeLsn = f.resumeLsn;
            if (action == DamageTable.Action.SKIP && resumeLsn == 0 && f.markerLastLsn > 0) {
                // Nothing valid after it, but the marker proves LSNs up to its last were acknowledged:
                // they are lost, reported as a gap, and never handed out again.
                resumeLsn = f.markerLastLsn + 1;
                skippedTo = Math.max(skippedTo, resumeLsn);
            }
            if (action == DamageTable.Action.THROW) {
                fatal.add(f.toDamage());
            } else if (action == DamageTable.Action.CUT) {
                cut = f;
            } else if (f.blockedLsn > 0 && resumeLsn > f.blockedLsn) {
                // Two findings can end at the same record (a bad header, then bad frames after it):
                // one gap. A blocked LSN of 0 (the first segment's header unreadable) names no LSN.
                long from = gaps.isEmpty() ? f.blockedLsn : Math.max(f.blockedLsn, gaps.get(gaps.size() - 1).lastLsn() + 1);
                if (resumeLsn > from) {
                    gaps.add(new LsnRange(from, resumeLsn - 1));
                }
            }
        }
        if (!fatal.isEmpty()) {
            Damage first = fatal.get(0);
            throw new CorruptLogException("log " + dir + " is damaged and recovery mode " + mode + " does not allow "
                + "opening it: " + first + (fatal.size() > 1 ? " (and " + (fatal.size() - 1) + " more)" : "")
                + "; run 'keel verify " + dir + "' for the full report", fatal);
        }
        return cut == null ? keepAll(dir, scanner, damage, gaps, skippedTo, start)
            : cutAt(dir, scanner, cut, damage, gaps, start);
    }

    private RecoveredLog keepAll(Path dir, LogScanner scanner, List<Damage> damage, List<LsnRange> gaps, long minNextLsn,
                                 long start) throws IOException {
        List<SegmentInfo> live = new ArrayList<>();
        long nextLsn = 1;
        for (SegmentScan s : scanner.segments()) {
            SegmentInfo info = live(s, nextLsn);
            if (info == null) {
                continue; // blank (a spare, see spares) or unusable: never appended into
            }
            live.add(info);
            nextLsn = info.lastLsn() + 1;
        }
        List<Path> spare = spares(dir, scanner, live);
        return result(scanner, live, spare, Math.max(nextLsn, minNextLsn), 0, damage, gaps, List.of(), start);
    }

    /** True for a prepared segment that never held a byte: all-zero header, nothing after it. */
    private static boolean neverWritten(SegmentScan s) {
        return s.blank && s.dirtyEnd <= SegmentHeaderDescriptor.HEADER_BYTES;
    }

    /**
     * The never-written segments that directly follow the last live one, which the log will use
     * next. Any other never-written file (after a gap) holds no byte and is deleted.
     */
    private List<Path> spares(Path dir, LogScanner scanner, List<SegmentInfo> live) throws IOException {
        long next = live.isEmpty() ? 1 : live.get(live.size() - 1).index() + 1;
        List<Path> spare = new ArrayList<>();
        for (SegmentScan s : scanner.segments()) {
            if (!neverWritten(s) || (!live.isEmpty() && s.index <= live.get(live.size() - 1).index())) {
                continue;
            }
            if (s.index == next) {
                spare.add(s.path);
                next++;
            } else if (!dryRun) {
                ctx.storage().deleteIfExists(s.path);
            }
        }
        return spare;
    }

    /**
     * The live segment a scanned one makes when the log continues at {@code nextLsn}, or null
     * when it holds nothing usable. A segment whose header was skipped but whose frames are
     * valid stays live: its records are kept (SKIP keeps every valid record), and, above all,
     * its index is never taken again for a new segment, which would leave its old frames after
     * the new ones, to come back on the next scan.
     */
    private static SegmentInfo live(SegmentScan s, long nextLsn) {
        if (s.records > 0) {
            return new SegmentInfo(s.index, s.path, s.firstLsn, s.lastLsn, s.endOffset);
        }
        if (s.header == null) {
            return null;
        }
        long first = Math.max(s.header.firstLsn(), nextLsn);
        return new SegmentInfo(s.index, s.path, first, first - 1, s.endOffset);
    }

    private RecoveredLog cutAt(Path dir, LogScanner scanner, Finding cut, List<Damage> damage, List<LsnRange> gaps,
                               long start) throws IOException {
        List<SegmentInfo> live = new ArrayList<>();
        List<Path> quarantined = new ArrayList<>();
        long nextLsn = 1;
        long bytesCut = 0;
        List<SegmentScan> segs = scanner.segments();
        for (int i = 0; i < segs.size(); i++) {
            SegmentScan s = segs.get(i);
            long headerlessFirst = s.records > 0 ? Math.min(s.firstLsn, cut.blockedLsn) : 0;
            if (i < cut.segmentOrdinal) {
                SegmentInfo info = live(s, nextLsn);
                if (info != null) {
                    live.add(info);
                    nextLsn = info.lastLsn() + 1;
                }
            } else if (i == cut.segmentOrdinal && cut.offsetBytes >= SegmentHeaderDescriptor.HEADER_BYTES
                && (s.header != null || headerlessFirst > 0)) {
                // Never before where the live segments ahead of it end: ranges must not overlap.
                long first = Math.max(nextLsn, s.header != null ? s.header.firstLsn() : headerlessFirst);
                long last = Math.max(cut.blockedLsn - 1, first - 1);
                live.add(new SegmentInfo(s.index, s.path, first, last, cut.offsetBytes));
                nextLsn = last + 1;
                if (s.dirtyEnd > cut.offsetBytes) {
                    bytesCut += s.dirtyEnd - cut.offsetBytes;
                    quarantined.add(cutTail(dir, s, cut.offsetBytes));
                }
            } else if (!neverWritten(s)) {
                bytesCut += Math.max(0, s.dirtyEnd - SegmentHeaderDescriptor.HEADER_BYTES);
                quarantined.add(setAside(dir, s.path));
            }
        }
        List<Path> spare = spares(dir, scanner, live);
        if (!dryRun) {
            ctx.storage().syncDirectory(dir);
        }
        return result(scanner, live, spare, nextLsn, bytesCut, damage, gaps, quarantined, start);
    }

    private RecoveredLog result(LogScanner scanner, List<SegmentInfo> live, List<Path> spare, long nextLsn, long bytesCut,
                                List<Damage> damage, List<LsnRange> gaps, List<Path> quarantined, long start) {
        long records = 0;
        long first = 0;
        for (SegmentInfo s : live) {
            if (!s.isEmpty()) {
                records += s.lastLsn() - s.firstLsn() + 1;
                first = first == 0 ? s.firstLsn() : first;
            }
        }
        for (LsnRange g : gaps) {
            for (SegmentInfo s : live) {
                // A gap inside a segment's range holds no record; one between segments was never counted.
                long from = Math.max(g.firstLsn(), s.firstLsn());
                long to = Math.min(g.lastLsn(), s.lastLsn());
                records -= Math.max(0, to - from + 1);
            }
        }
        RecoveryReport report = new RecoveryReport(mode, false, scanner.segments().size(), scanner.bytesRead(), records,
            first, nextLsn - 1 >= first && first > 0 ? nextLsn - 1 : 0, bytesCut, damage, gaps, quarantined,
            System.nanoTime() - start);
        return new RecoveredLog(scanner.logIdKnown() ? scanner.logId() : 0, live, spare, nextLsn, report);
    }

    /** Copies {@code [offset, dirtyEnd)} of a segment to quarantine, then zeroes it in place durably. */
    private Path cutTail(Path dir, SegmentScan s, long offsetBytes) throws IOException {
        Path target = unusedName(quarantineDir(dir).resolve(s.path.getFileName() + "." + offsetBytes + ".cut"));
        if (dryRun) {
            return target;
        }
        DurableCopy.copy(ctx, s.path, offsetBytes, s.dirtyEnd, target, s.dirtyEnd - offsetBytes);
        ctx.storage().syncDirectory(target.getParent());
        zeroRange(s.path, offsetBytes, s.dirtyEnd);
        return target;
    }

    private void zeroRange(Path path, long fromBytes, long toBytes) throws IOException {
        ByteBuffer zeros = BufferUtil.allocateDirectAligned(ZERO_CHUNK_BYTES, 4096);
        AioRequest[] one = {new AioRequest()};
        try (NativeFile f = ctx.storage().open(path, OpenFlag.READ, OpenFlag.WRITE)) {
            for (long at = fromBytes; at < toBytes; at += ZERO_CHUNK_BYTES) {
                int len = (int) Math.min(ZERO_CHUNK_BYTES, toBytes - at);
                one[0].prepareWrite(f, at, AddressOf.buffer(zeros), len);
                check(ctx.submitAndWait(one, 0, 1), one[0], "pwrite", path);
            }
            one[0].prepareSync(f, SyncMode.FILE);
            check(ctx.submitAndWait(one, 0, 1), one[0], "fsync", path);
        }
    }

    private static void check(int ok, AioRequest r, String op, Path path) throws AioException {
        if (ok != 1) {
            throw new AioException(op, path, -r.result());
        }
    }

    private Path setAside(Path dir, Path segment) throws IOException {
        Path target = unusedName(quarantineDir(dir).resolve(segment.getFileName()));
        if (!dryRun) {
            ctx.storage().rename(segment, target);
        }
        return target;
    }

    /**
     * {@code target}, or {@code target.1}, {@code target.2}, ... when an earlier repair already set
     * aside a file of that name (the same slot torn twice, a segment index reused after a cut):
     * quarantine is never overwritten.
     */
    private Path unusedName(Path target) {
        Path p = target;
        for (int n = 1; ctx.storage().exists(p); n++) {
            p = target.resolveSibling(target.getFileName() + "." + n);
        }
        return p;
    }

    private Path quarantineDir(Path dir) throws IOException {
        Path q = dir.resolve(SegmentFiles.QUARANTINE_DIR);
        if (!dryRun && !ctx.storage().isDirectory(q)) {
            ctx.storage().createDirectories(q);
            ctx.storage().syncDirectory(dir);
        }
        return q;
    }

    /** Reads one block of a file into {@code buffer} through the context; returns the bytes read. */
    static int readBlock(AioContext ctx, NativeFile f, long offsetBytes, ByteBuffer buffer, int lengthBytes)
        throws AioException {
        AioRequest[] one = {new AioRequest().prepareRead(f, offsetBytes, AddressOf.buffer(buffer), lengthBytes)};
        ctx.submitAndWait(one, 0, 1);
        if (one[0].result() < 0) {
            throw new AioException("pread", f.path(), -one[0].result());
        }
        return one[0].result();
    }
}
