package dev.keel.bench.durability;

import dev.keel.aio.Aio;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioOptions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static dev.keel.bench.durability.ResultTable.Column.BACKEND;
import static dev.keel.bench.durability.ResultTable.Column.CPU_PER_RECORD;
import static dev.keel.bench.durability.ResultTable.Column.GUARANTEE;
import static dev.keel.bench.durability.ResultTable.Column.IN_FLIGHT;
import static dev.keel.bench.durability.ResultTable.Column.MB_PER_SEC;
import static dev.keel.bench.durability.ResultTable.Column.MODE;
import static dev.keel.bench.durability.ResultTable.Column.P50;
import static dev.keel.bench.durability.ResultTable.Column.P99;
import static dev.keel.bench.durability.ResultTable.Column.P999;
import static dev.keel.bench.durability.ResultTable.Column.RECORD;
import static dev.keel.bench.durability.ResultTable.Column.RECORDS_PER_SEC;
import static dev.keel.bench.durability.ResultTable.Column.SAMPLES;

/**
 * Section 0, the device's own limits, no log: durable sequential writes into a file laid out
 * first, as fio measures them (bench/README.md gives the fio jobs, and a table of both measured
 * side by side). Buffered {@code pwrite + fdatasync} 4 KiB at depth 1 ({@link RawSyncFile}, the
 * raw limit of the sync-methods section), then O_DIRECT + O_DSYNC writes at depth through the AIO
 * layer on the best backend ({@link DirectWrites}): 4 KiB at depth 1, 4, 16 and 64, 64 KiB at
 * depth 8, 1 MiB at depth 4. Every later Keel row is held against the matching limit, and the
 * scaling section's closed-loop bound ({@link ClosedLoopBound}) is computed from these.
 */
public final class LimitsSection implements Section {
    static final String SYSTEM = "device";

    @Override
    public String name() {
        return CaseResult.LIMITS;
    }

    @Override
    public int timedCases(BenchSettings s) {
        return DeviceLimit.values().length;
    }

    @Override
    public List<BenchCase> run(BenchRun run) throws IOException {
        String backend = run.settings().bestBackend();
        run.table().section("0. Device limits: durable sequential writes with no log, the references of every later ratio",
            List.of("Buffered pwrite + fdatasync per write (libc, 64 MiB zero-filled file); O_DIRECT + O_DSYNC writes at",
                "depth through the AIO layer on " + backend + " (256 MiB file laid out first). Latency per write;",
                "samples = latencies behind the percentiles (below 1000, p999 is the maximum, marked *).",
                "cpu us/rec = process CPU per durable write. bench/README.md gives the fio jobs that measure the same."),
            List.of(MODE, BACKEND, RECORD, IN_FLIGHT, RECORDS_PER_SEC, MB_PER_SEC, P50, P99, P999, SAMPLES, CPU_PER_RECORD,
                GUARANTEE));
        List<BenchCase> cases = new ArrayList<>();
        BenchCase buffered = run.closedLoop(CaseResult.LIMITS, "limits: " + DeviceLimit.BUFFERED_4K_D1.label(), RawLimitLog::new,
            DeviceLimit.BUFFERED_4K_D1.method(), "libc", 1, DeviceLimit.BUFFERED_4K_D1.writeBytes());
        buffered = new BenchCase(renamed(buffered.result(), 1), buffered.latencyNs());
        record(run, cases, DeviceLimit.BUFFERED_4K_D1, buffered);
        cases.addAll(run.inCaseDir("limits: laying out the file", dir -> {
            List<BenchCase> direct = new ArrayList<>();
            try (AioContext ctx = Aio.open(AioOptions.defaults().backend(backend))) {
                DirectWrites writes = DirectWrites.layOut(ctx, dir.resolve("limits.dat"));
                for (DeviceLimit limit : DeviceLimit.values()) {
                    if (!limit.direct()) {
                        continue;
                    }
                    run.progress().step("limits: " + limit.label());
                    Measurement m = writes.run(limit.writeBytes(), limit.depth(), run.settings().warmupNs(),
                        run.settings().windowNs());
                    CaseResult r = CaseResult.timed(CaseResult.LIMITS, SYSTEM, limit.method(), backend, 1, limit.writeBytes(),
                        limit.depth(), m, 1, "on disk (O_DSYNC)", "O_DIRECT + O_DSYNC " + ResultTable.bytes(limit.writeBytes())
                            + " writes, " + limit.depth() + " in flight, sequential in a laid-out file, no log");
                    record(run, direct, limit, new BenchCase(r, m.latencyNs()));
                }
            }
            return direct;
        }));
        return cases;
    }

    private static void record(BenchRun run, List<BenchCase> cases, DeviceLimit limit, BenchCase c) {
        run.limits().put(limit, c.result());
        cases.add(c);
        run.table().row(c.result());
    }

    /** The raw-limit loop's row as a limits row: the device's, at depth {@code depth}. */
    private static CaseResult renamed(CaseResult r, int depth) {
        return new CaseResult(r.section(), SYSTEM, r.mode(), r.backend(), r.threads(), r.recordBytes(), depth, r.recordsPerSec(),
            r.mbPerSec(), r.p50Us(), r.p99Us(), r.p999Us(), r.samples(), r.cpuUsPerRecord(), null, null, null, r.rounds(), null,
            null, r.guarantee(), "pwrite + fdatasync per 4 KiB write, zero-filled preallocated file, no log");
    }
}
