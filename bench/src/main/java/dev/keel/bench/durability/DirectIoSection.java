package dev.keel.bench.durability;

import dev.keel.aio.Aio;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioOptions;
import dev.keel.wal.Durability;
import dev.keel.wal.WalOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static dev.keel.bench.durability.ResultTable.Column.CPU_PER_RECORD;
import static dev.keel.bench.durability.ResultTable.Column.GUARANTEE;
import static dev.keel.bench.durability.ResultTable.Column.IN_FLIGHT;
import static dev.keel.bench.durability.ResultTable.Column.MB_PER_SEC;
import static dev.keel.bench.durability.ResultTable.Column.MODE;
import static dev.keel.bench.durability.ResultTable.Column.P50;
import static dev.keel.bench.durability.ResultTable.Column.P99;
import static dev.keel.bench.durability.ResultTable.Column.P999;
import static dev.keel.bench.durability.ResultTable.Column.RATIO_SPREAD;
import static dev.keel.bench.durability.ResultTable.Column.RECORD;
import static dev.keel.bench.durability.ResultTable.Column.RECORDS_PER_SEC;
import static dev.keel.bench.durability.ResultTable.Column.SAMPLES;
import static dev.keel.bench.durability.ResultTable.Column.SYSTEM;

/**
 * Section 5, DIRECT I/O (issue 12 section 2): Keel with {@code WalOptions.directIo(true)} and
 * OPEN_DSYNC (segments O_DIRECT + O_DSYNC: a completed write is durable with no fsync, the
 * strongest mode that needs no barrier), each against the device limit it aims at, in
 * interleaved rounds:
 * <ul>
 *   <li>one writer x 4 KiB, blocking, against O_DIRECT + O_DSYNC 4 KiB at depth 1
 *       ({@link DirectWrites} at depth 1, in the same rounds);</li>
 *   <li>one thread pipelining 64 KiB records ({@link Pipeline}, 64 in flight) against the
 *       O_DIRECT + O_DSYNC 64 KiB depth-8 bandwidth, in MB/s: once with segments zero-filled
 *       ahead (the default) and once only allocated ({@code WalOptions.zeroFillSegments(false)}),
 *       since zero-filling ahead makes the device write each byte twice, which a log streaming
 *       near the device's bandwidth pays for.</li>
 * </ul>
 */
public final class DirectIoSection implements Section {
    static final int BLOCKING_RECORD_BYTES = 4096;
    static final int PIPELINED_RECORD_BYTES = 64 << 10;
    static final int PIPELINED_IN_FLIGHT = 64;
    private static final Durability DURABILITY = Durability.OPEN_DSYNC;

    @Override
    public String name() {
        return CaseResult.DIRECT;
    }

    @Override
    public int timedCases(BenchSettings s) {
        return 6;
    }

    @Override
    public List<BenchCase> run(BenchRun run) throws IOException {
        String backend = run.settings().bestBackend();
        run.table().section("5. DIRECT I/O: Keel with WalOptions.directIo(true), " + DURABILITY + ", against the device's O_DIRECT limits",
            List.of("Each pair in " + run.settings().rounds() + " interleaved rounds; ratio = the median of the rounds' ratios "
                + "(records/s at 4 KiB, MB/s at 64 KiB)."),
            List.of(SYSTEM, MODE, RECORD, IN_FLIGHT, RECORDS_PER_SEC, MB_PER_SEC, P50, P99, P999, SAMPLES, CPU_PER_RECORD,
                RATIO_SPREAD, GUARANTEE));
        List<BenchCase> cases = new ArrayList<>();
        cases.addAll(pair(run, backend, BLOCKING_RECORD_BYTES, 1, DeviceLimit.DIRECT_4K_D1, true));
        cases.addAll(pair(run, backend, PIPELINED_RECORD_BYTES, PIPELINED_IN_FLIGHT, DeviceLimit.DIRECT_64K_D8, true));
        cases.addAll(pair(run, backend, PIPELINED_RECORD_BYTES, PIPELINED_IN_FLIGHT, DeviceLimit.DIRECT_64K_D8, false));
        return cases;
    }

    /**
     * The limit and Keel, round after round; Keel blocking when {@code inFlight} is 1, else
     * pipelining; its segments zero-filled ahead or only allocated.
     */
    private List<BenchCase> pair(BenchRun run, String backend, int recordBytes, int inFlight, DeviceLimit limit,
                                 boolean zeroFill) throws IOException {
        BenchSettings s = run.settings();
        long roundNs = s.windowNs() / s.rounds();
        String label = "direct: " + ResultTable.bytes(recordBytes) + " x " + inFlight + (zeroFill ? "" : ", allocated segments");
        WalOptions options = WalOptions.defaults().durability(DURABILITY).aioBackend(backend).directIo(true).zeroFillSegments(zeroFill);
        return run.inCaseDir(label, dir -> {
            List<Measurement> limitRounds = new ArrayList<>();
            List<Measurement> keelRounds = new ArrayList<>();
            try (AioContext ctx = Aio.open(AioOptions.defaults().backend(backend));
                 KeelLog keel = new KeelLog(Files.createDirectories(dir.resolve("keel")), options, DURABILITY)) {
                DirectWrites raw = DirectWrites.layOut(ctx, dir.resolve("limit.dat"));
                for (int r = 0; r < s.rounds(); r++) {
                    long warmupNs = r == 0 ? s.warmupNs() : s.warmupNs() / 4;
                    run.progress().step(label + ", round " + (r + 1));
                    limitRounds.add(raw.run(limit.writeBytes(), limit.depth(), warmupNs, roundNs));
                    keelRounds.add(inFlight == 1
                        ? new ClosedLoop(warmupNs, roundNs).run(keel, 1, recordBytes)
                        : new Pipeline(warmupNs, roundNs).run(keel.wal(), inFlight, recordBytes));
                }
            }
            double[] ratios = new double[s.rounds()];
            for (int r = 0; r < ratios.length; r++) {
                double ref = limitRounds.get(r).mbPerSec();
                ratios[r] = ref > 0 ? keelRounds.get(r).mbPerSec() / ref : Double.NaN;
            }
            Measurement limitTotal = Measurement.sum(limitRounds);
            Measurement keelTotal = Measurement.sum(keelRounds);
            CaseResult limitRow = CaseResult.timed(CaseResult.DIRECT, LimitsSection.SYSTEM, limit.method(), backend, 1, limit.writeBytes(),
                limit.depth(), limitTotal, s.rounds(), "on disk (O_DSYNC)", limit.label() + ", no log");
            CaseResult keelRow = CaseResult.timed(CaseResult.DIRECT, "keel", DURABILITY.name() + (zeroFill ? "" : " alloc"), backend, 1,
                recordBytes, inFlight, keelTotal, s.rounds(), "on disk (O_DIRECT+O_DSYNC)", "WalOptions.directIo(true), " + DURABILITY
                    + (inFlight == 1 ? ", blocking Wal.append" : ", appendAsync pipelined")
                    + (zeroFill ? ", segments zero-filled ahead" : "; alloc: zeroFillSegments(false), segments only allocated"));
            List<BenchCase> rows = List.of(new BenchCase(limitRow, limitTotal.latencyNs()).withRatio(Spread.of(1, 1, 1)),
                new BenchCase(keelRow, keelTotal.latencyNs()).withRatio(Spread.of(ratios)).withDeviceLimit(limit.label(),
                    Spread.of(ratios) == null ? null : Spread.of(ratios).median()));
            rows.forEach(c -> run.table().row(c.result()));
            return rows;
        });
    }
}
