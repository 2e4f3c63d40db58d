package dev.keel.bench.durability;

import dev.keel.wal.Durability;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static dev.keel.bench.durability.ResultTable.Column.BACKEND;
import static dev.keel.bench.durability.ResultTable.Column.MODE;
import static dev.keel.bench.durability.ResultTable.Column.OPS_PER_SEC;
import static dev.keel.bench.durability.ResultTable.Column.P50;
import static dev.keel.bench.durability.ResultTable.Column.P99;
import static dev.keel.bench.durability.ResultTable.Column.P999;
import static dev.keel.bench.durability.ResultTable.Column.RATIO;
import static dev.keel.bench.durability.ResultTable.Column.RECORD;
import static dev.keel.bench.durability.ResultTable.Column.SYSTEM;
import static dev.keel.bench.durability.ResultTable.Column.US_PER_OP;

/**
 * Section 1, the sync methods: one writer appending blocking records in every {@link Durability}
 * mode on every AIO backend this machine runs, at 4 KiB and 8 KiB, each row beside the raw limit
 * ({@link RawSyncFile}) measured just before it at the same size. The 8 KiB rows compare with
 * pg_test_fsync's "one 8kB write" lines.
 */
public final class SyncMethodsSection implements Section {
    static final int[] RECORD_BYTES = {4096, 8192};

    @Override
    public String name() {
        return CaseResult.SYNC_METHODS;
    }

    @Override
    public int timedCases(BenchSettings s) {
        return RECORD_BYTES.length * (1 + s.backends().size() * Durability.values().length);
    }

    @Override
    public List<BenchCase> run(BenchRun run) throws IOException {
        run.table().section("1. Sync methods: one writer, blocking appends, each Durability mode on each AIO backend",
            List.of("ratio = ops/s against the raw limit of the same size: a pwrite + fdatasync loop through JNA on a",
                "zero-filled preallocated file, no log. 8 KiB rows compare with pg_test_fsync's one-8kB-write lines.",
                "NONE syncs nothing (durable against a process crash only), so it may pass the limit."),
            List.of(SYSTEM, MODE, BACKEND, RECORD, OPS_PER_SEC, US_PER_OP, P50, P99, P999, RATIO));
        List<BenchCase> cases = new ArrayList<>();
        for (int recordBytes : RECORD_BYTES) {
            String size = ResultTable.bytes(recordBytes);
            BenchCase limit = run.closedLoop(CaseResult.SYNC_METHODS, "sync methods: raw limit, " + size, RawLimitLog::new,
                null, null, 1, recordBytes).withRatio(1.0);
            cases.add(limit);
            run.table().row(limit.result());
            double limitRate = limit.result().recordsPerSec();
            for (String backend : run.settings().backends()) {
                for (Durability mode : Durability.values()) {
                    BenchCase c = run.closedLoop(CaseResult.SYNC_METHODS, "sync methods: keel " + mode + " on " + backend + ", "
                        + size, dir -> new KeelLog(dir, mode, backend), mode.name(), backend, 1, recordBytes);
                    c = c.withRatio(CaseResult.ratio(c.result().recordsPerSec(), limitRate));
                    cases.add(c);
                    run.table().row(c.result());
                }
            }
        }
        return cases;
    }
}
