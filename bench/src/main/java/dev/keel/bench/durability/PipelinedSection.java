package dev.keel.bench.durability;

import dev.keel.wal.Durability;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static dev.keel.bench.durability.ResultTable.Column.CPU_PER_RECORD;
import static dev.keel.bench.durability.ResultTable.Column.DEVICE_RATIO;
import static dev.keel.bench.durability.ResultTable.Column.GUARANTEE;
import static dev.keel.bench.durability.ResultTable.Column.IN_FLIGHT;
import static dev.keel.bench.durability.ResultTable.Column.MB_PER_SEC;
import static dev.keel.bench.durability.ResultTable.Column.P50;
import static dev.keel.bench.durability.ResultTable.Column.P99;
import static dev.keel.bench.durability.ResultTable.Column.P999;
import static dev.keel.bench.durability.ResultTable.Column.RECORD;
import static dev.keel.bench.durability.ResultTable.Column.RECORDS_PER_SEC;
import static dev.keel.bench.durability.ResultTable.Column.SAMPLES;
import static dev.keel.bench.durability.ResultTable.Column.SYSTEM;

/**
 * Section 3, pipelined appends: one thread keeping up to N {@code appendAsync} calls outstanding
 * ({@link Pipeline}), FDATASYNC, small records: how far one producer gets when it does not wait
 * for each sync. No peer offers the same call, so there is no ratio.
 */
public final class PipelinedSection implements Section {
    static final int[] IN_FLIGHT_COUNTS = {1, 16, 256, 1024};
    static final int RECORD_BYTES = 128;

    @Override
    public String name() {
        return CaseResult.PIPELINED;
    }

    @Override
    public int timedCases(BenchSettings s) {
        return IN_FLIGHT_COUNTS.length;
    }

    @Override
    public List<BenchCase> run(BenchRun run) throws IOException {
        String backend = run.settings().bestBackend();
        run.table().section("3. Pipelined appends: one thread, up to N appendAsync in flight, FDATASYNC",
            List.of("Keel on " + backend + "; latency runs from appendAsync to its completion being seen.",
                "vs limit = against the closed-loop bound for N records in flight (the bound row above each)."),
            List.of(SYSTEM, IN_FLIGHT, RECORD, RECORDS_PER_SEC, MB_PER_SEC, P50, P99, P999, SAMPLES, CPU_PER_RECORD, DEVICE_RATIO,
                GUARANTEE));
        Pipeline pipeline = new Pipeline(run.settings().warmupNs(), run.settings().windowNs());
        List<BenchCase> cases = new ArrayList<>();
        for (int inFlight : IN_FLIGHT_COUNTS) {
            Double bound = null;
            if (run.limits().canBound()) {
                bound = run.limits().bound(inFlight, RECORD_BYTES);
                BenchCase b = new BenchCase(ScalingSection.boundRow(CaseResult.PIPELINED, 1, inFlight, RECORD_BYTES, bound), null);
                cases.add(b);
                run.table().row(b.result());
            }
            BenchCase c = run.inCase("pipelined: keel, " + inFlight + " in flight",
                dir -> new KeelLog(dir, Durability.FDATASYNC, backend), log -> {
                    Measurement m = pipeline.run(log.wal(), inFlight, RECORD_BYTES);
                    return BenchCase.of(CaseResult.timed(CaseResult.PIPELINED, log.system(), Durability.FDATASYNC.name(), backend,
                        1, RECORD_BYTES, inFlight, m, 1, KeelLog.guarantee(Durability.FDATASYNC),
                        "Wal.appendAsync, future completes once durable (FDATASYNC)"), m);
                });
            if (bound != null) {
                c = c.withDeviceLimit(ScalingSection.BOUND, c.result().recordsPerSec() / bound);
            }
            cases.add(c);
            run.table().row(c.result());
        }
        return cases;
    }
}
