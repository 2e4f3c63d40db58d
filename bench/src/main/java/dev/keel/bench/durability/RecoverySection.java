package dev.keel.bench.durability;

import dev.keel.aio.Aio;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioOptions;
import dev.keel.recovery.format.FrameDescriptor;
import dev.keel.recovery.LogRecovery;
import dev.keel.recovery.RecoveredLog;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.RecoveryReport;
import dev.keel.recovery.SegmentFiles;
import dev.keel.wal.Durability;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.keel.bench.durability.ResultTable.Column.BACKEND;
import static dev.keel.bench.durability.ResultTable.Column.GB_PER_SEC;
import static dev.keel.bench.durability.ResultTable.Column.IN_FLIGHT;
import static dev.keel.bench.durability.ResultTable.Column.NOTE;
import static dev.keel.bench.durability.ResultTable.Column.RATIO;
import static dev.keel.bench.durability.ResultTable.Column.RECORD;
import static dev.keel.bench.durability.ResultTable.Column.RECORDS_PER_SEC;
import static dev.keel.bench.durability.ResultTable.Column.SYSTEM;

/**
 * Section 4, recovery: writes a log of a few GiB, closes it, removes the clean-shutdown marker
 * (so opening has to scan and validate every frame, as after a crash), and times a dry-run
 * {@link LogRecovery} beside the disk's sequential read rate over the same files
 * ({@link SequentialRead}), first with the files dropped from the page cache ({@link PageCache}),
 * then warm. The log takes at most half the free space; on a small disk it shrinks, and says so.
 */
public final class RecoverySection implements Section {
    static final int RECORD_BYTES = 4096;
    static final long SEGMENT_BYTES = WalOptions.DEFAULT_SEGMENT_BYTES;
    /** One segment: less would not be a log worth timing. */
    static final long MIN_LOG_BYTES = SEGMENT_BYTES;
    /** Room for the segment being prepared and the spare one next to the log itself. */
    static final long HEADROOM_BYTES = 2 * SEGMENT_BYTES;
    private static final int PROGRESS_STEPS = 100;

    @Override
    public String name() {
        return CaseResult.RECOVERY;
    }

    @Override
    public int timedCases(BenchSettings s) {
        return 0;
    }

    /** The log size to write: what was asked for, within half the free space, in whole segments; 0 to skip. */
    static long logBytesFor(long requestedBytes, long usableBytes) {
        long allowed = Math.min(requestedBytes, usableBytes / 2 - HEADROOM_BYTES);
        long bytes = allowed / SEGMENT_BYTES * SEGMENT_BYTES;
        return bytes < MIN_LOG_BYTES ? 0 : bytes;
    }

    @Override
    public List<BenchCase> run(BenchRun run) throws IOException {
        BenchSettings s = run.settings();
        run.table().section("4. Recovery: open and full verify of a log with no clean-shutdown marker (LogRecovery, dry run)",
            List.of("Keel validates every frame (CRC32C, LSN, segment identity); raw-limit reads the same files with "
                    + ResultTable.bytes(SequentialRead.CHUNK_BYTES) + " reads,",
                SequentialRead.IN_FLIGHT + " in flight, through the same AIO backend, and looks at nothing. ratio = GB/s against it, "
                    + "same page cache state."),
            List.of(SYSTEM, BACKEND, RECORD, IN_FLIGHT, RECORDS_PER_SEC, GB_PER_SEC, RATIO, NOTE));
        long usable = Files.getFileStore(s.dir()).getUsableSpace();
        long logBytes = logBytesFor(s.recoveryLogBytes(), usable);
        if (logBytes == 0) {
            run.table().line(String.format("skipped: %.1f GiB free in %s, and the log takes at most half of it (%d MiB at least)",
                usable / (double) (1L << 30), s.dir(), MIN_LOG_BYTES >> 20));
            return List.of();
        }
        if (logBytes < s.recoveryLogBytes()) {
            run.table().line(String.format("the disk has %.1f GiB free: writing a %d MiB log instead of %d MiB (half the free"
                + " space at most)", usable / (double) (1L << 30), logBytes >> 20, s.recoveryLogBytes() >> 20));
        }
        return run.inCaseDir("recovery", dir -> measure(run, dir, logBytes));
    }

    private List<BenchCase> measure(BenchRun run, Path dir, long logBytes) throws IOException {
        String backend = run.settings().bestBackend();
        long records = fill(run, dir, backend, logBytes);
        Files.delete(dir.resolve(SegmentFiles.CLEAN_FILE));
        List<Path> files = SegmentFiles.list(dir).segments();
        List<BenchCase> cases = new ArrayList<>();
        try (AioContext ctx = Aio.open(AioOptions.defaults().backend(backend).maxInFlight(64))) {
            boolean cold = PageCache.drop(files);
            String coldNote = cold ? "page cache cold (fdatasync + posix_fadvise DONTNEED per file)"
                : "page cache state unknown (posix_fadvise refused)";
            CaseResult rawCold = readRate(run, ctx, files, coldNote);
            PageCache.drop(files);
            CaseResult keelCold = scan(run, ctx, dir, records, coldNote);
            CaseResult keelWarm = scan(run, ctx, dir, records, "page cache warm");
            CaseResult rawWarm = readRate(run, ctx, files, "page cache warm");
            for (CaseResult r : List.of(rawCold, keelCold.withRatio(CaseResult.ratio(keelCold.mbPerSec(), rawCold.mbPerSec())),
                rawWarm, keelWarm.withRatio(CaseResult.ratio(keelWarm.mbPerSec(), rawWarm.mbPerSec())))) {
                cases.add(new BenchCase(r, null));
                run.table().row(r);
            }
        }
        return cases;
    }

    /** Appends records until the log holds about {@code logBytes}; durability NONE, since segments are sealed on roll and at close. */
    private long fill(BenchRun run, Path dir, String backend, long logBytes) throws IOException {
        long records = logBytes / FrameDescriptor.frameBytes(RECORD_BYTES);
        String what = String.format("recovery: writing a %d MiB log of %s records", logBytes >> 20, ResultTable.bytes(RECORD_BYTES));
        run.progress().longStep(what);
        ByteBuffer record = KeelLog.directPayload(RECORD_BYTES);
        long step = Math.max(1, records / PROGRESS_STEPS);
        // Futures are dropped: the log buffer's back-pressure paces the loop, and close() reports any failure.
        try (Wal wal = Wal.open(dir, WalOptions.defaults().durability(Durability.NONE).aioBackend(backend))) {
            for (long i = 1; i <= records; i++) {
                wal.appendAsync(record);
                if (i % step == 0) {
                    run.progress().percent(what, i / (double) records);
                }
            }
        }
        return records;
    }

    private CaseResult scan(BenchRun run, AioContext ctx, Path dir, long records, String note) throws IOException {
        run.progress().longStep("recovery: scanning the log, " + note);
        RecoveredLog log = new LogRecovery(ctx, RecoveryMode.TOLERATE_CORRUPTED_TAIL, true).recover(dir);
        RecoveryReport r = log.report();
        if (r.cleanShutdown() || r.recordsFound() != records) {
            throw new IOException("recovery of the benchmark log found " + r.recordsFound() + " records (clean shutdown: "
                + r.cleanShutdown() + "), " + records + " were written: " + r.summary());
        }
        double seconds = r.durationNanos() / 1e9;
        return CaseResult.rate(CaseResult.RECOVERY, "keel", ctx.backendName(), RECORD_BYTES, null, r.recordsFound() / seconds,
            r.bytesPerSecond() / 1e6, null, note);
    }

    private CaseResult readRate(BenchRun run, AioContext ctx, List<Path> files, String note) throws IOException {
        run.progress().longStep("recovery: reading the same files, " + note);
        long start = System.nanoTime();
        long bytes = new SequentialRead(ctx).readAll(files);
        double seconds = (System.nanoTime() - start) / 1e9;
        return CaseResult.rate(CaseResult.RECOVERY, "raw-limit", ctx.backendName(), SequentialRead.CHUNK_BYTES,
            SequentialRead.IN_FLIGHT, null, bytes / seconds / 1e6, 1.0, note);
    }
}
