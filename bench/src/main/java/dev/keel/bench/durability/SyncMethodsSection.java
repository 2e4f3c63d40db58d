package dev.keel.bench.durability;

import dev.keel.wal.Durability;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static dev.keel.bench.durability.ResultTable.Column.BACKEND;
import static dev.keel.bench.durability.ResultTable.Column.CPU_PER_RECORD;
import static dev.keel.bench.durability.ResultTable.Column.DEVICE_RATIO;
import static dev.keel.bench.durability.ResultTable.Column.GUARANTEE;
import static dev.keel.bench.durability.ResultTable.Column.MODE;
import static dev.keel.bench.durability.ResultTable.Column.OPS_PER_SEC;
import static dev.keel.bench.durability.ResultTable.Column.P50;
import static dev.keel.bench.durability.ResultTable.Column.P99;
import static dev.keel.bench.durability.ResultTable.Column.P999;
import static dev.keel.bench.durability.ResultTable.Column.RATIO_SPREAD;
import static dev.keel.bench.durability.ResultTable.Column.RECORD;
import static dev.keel.bench.durability.ResultTable.Column.SAMPLES;
import static dev.keel.bench.durability.ResultTable.Column.SYSTEM;

/**
 * Section 1, the sync methods: one writer appending blocking records in every {@link Durability}
 * mode on every AIO backend this machine runs, at 4 KiB and 8 KiB. Per backend and size, the raw
 * limit ({@link RawSyncFile}) and the five modes run in interleaved {@link Rounds}, and each row's
 * ratio is the median over the rounds of its rate over the raw limit's in the same round. 4 KiB
 * rows are also held against the limits section's buffered depth-1 limit. The 8 KiB rows compare
 * with pg_test_fsync's "one 8kB write" lines (the full run only: {@code --quick} runs 4 KiB).
 */
public final class SyncMethodsSection implements Section {
    static final int[] RECORD_BYTES = {4096, 8192};
    /** --quick keeps the size the targets and the device limits are stated for. */
    static final int[] QUICK_RECORD_BYTES = {4096};

    static int[] recordSizes(BenchSettings s) {
        return s.quick() ? QUICK_RECORD_BYTES : RECORD_BYTES;
    }

    @Override
    public String name() {
        return CaseResult.SYNC_METHODS;
    }

    @Override
    public int timedCases(BenchSettings s) {
        return recordSizes(s).length * s.backends().size() * (1 + Durability.values().length);
    }

    @Override
    public List<BenchCase> run(BenchRun run) throws IOException {
        run.table().section("1. Sync methods: one writer, blocking appends, each Durability mode on each AIO backend",
            List.of("ratio = ops/s against the raw limit of the same size, median of " + run.settings().rounds()
                    + " interleaved rounds (lowest-highest round): a pwrite +",
                "fdatasync loop through JNA on a zero-filled preallocated file, no log, run in the same rounds.",
                "vs limit = against the limits section's " + DeviceLimit.BUFFERED_4K_D1.label() + " (4 KiB rows).",
                "8 KiB rows compare with pg_test_fsync's one-8kB-write lines. NONE syncs nothing, so it may pass the limit."),
            List.of(SYSTEM, MODE, BACKEND, RECORD, OPS_PER_SEC, P50, P99, P999, SAMPLES, CPU_PER_RECORD, RATIO_SPREAD,
                DEVICE_RATIO, GUARANTEE));
        List<BenchCase> cases = new ArrayList<>();
        for (int recordBytes : recordSizes(run.settings())) {
            for (String backend : run.settings().backends()) {
                cases.addAll(group(run, backend, recordBytes));
            }
        }
        return cases;
    }

    private static List<BenchCase> group(BenchRun run, String backend, int recordBytes) throws IOException {
        List<Rounds.Entrant> entrants = new ArrayList<>();
        entrants.add(new Rounds.Entrant("raw limit", null, null, RawLimitLog::new));
        for (Durability mode : Durability.values()) {
            entrants.add(new Rounds.Entrant("keel " + mode, mode.name(), backend, dir -> new KeelLog(dir, mode, backend)));
        }
        String label = "sync methods: " + backend + ", " + ResultTable.bytes(recordBytes);
        Rounds.Result result = Rounds.closedLoop(run, label, entrants, 1, recordBytes);
        List<BenchCase> cases = new ArrayList<>();
        for (int i = 0; i < entrants.size(); i++) {
            BenchCase c = new BenchCase(Rounds.row(result, i, CaseResult.SYNC_METHODS, 1, recordBytes), result.total(i).latencyNs())
                .withRatio(result.ratio(i, rates -> rates[0]));
            if (i > 0 && recordBytes == DeviceLimit.BUFFERED_4K_D1.writeBytes() && run.limits().has(DeviceLimit.BUFFERED_4K_D1)) {
                c = c.withDeviceLimit(DeviceLimit.BUFFERED_4K_D1.label(),
                    c.result().recordsPerSec() / run.limits().writesPerSec(DeviceLimit.BUFFERED_4K_D1));
            }
            cases.add(c);
            run.table().row(c.result());
        }
        return cases;
    }
}
