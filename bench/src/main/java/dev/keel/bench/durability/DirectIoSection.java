package dev.keel.bench.durability;

import dev.keel.aio.Aio;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioOptions;
import dev.keel.wal.Durability;
import dev.keel.wal.WalOptions;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
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
 *       O_DIRECT + O_DSYNC 64 KiB depth-8 bandwidth, in MB/s.</li>
 * </ul>
 * The option is the write-path branch's (issue 12 section 2). It is looked up by reflection, so
 * this section runs the day it lands and, until then, prints one line saying it was not measured
 * and why, instead of failing the build or the run.
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
        return directIoOption() == null ? 0 : 4;
    }

    /** {@code WalOptions.directIo(boolean)}, or null while this build's WalOptions has none. */
    static Method directIoOption() {
        try {
            return WalOptions.class.getMethod("directIo", boolean.class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    static WalOptions direct(WalOptions options) throws IOException {
        try {
            return (WalOptions) directIoOption().invoke(options, true);
        } catch (InvocationTargetException e) {
            throw new IOException("WalOptions.directIo(true) refused: " + e.getCause(), e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("WalOptions.directIo is not public", e);
        }
    }

    @Override
    public List<BenchCase> run(BenchRun run) throws IOException {
        String backend = run.settings().bestBackend();
        run.table().section("5. DIRECT I/O: Keel with WalOptions.directIo(true), " + DURABILITY + ", against the device's O_DIRECT limits",
            List.of("Each pair in " + run.settings().rounds() + " interleaved rounds; ratio = the median of the rounds' ratios "
                + "(records/s at 4 KiB, MB/s at 64 KiB)."),
            List.of(SYSTEM, MODE, RECORD, IN_FLIGHT, RECORDS_PER_SEC, MB_PER_SEC, P50, P99, P999, SAMPLES, CPU_PER_RECORD,
                RATIO_SPREAD, GUARANTEE));
        if (directIoOption() == null) {
            // PENDING(issue 12 section 2, branch writepath): the rows appear once WalOptions.directIo(boolean) exists.
            run.table().line("not measured: this build's WalOptions has no directIo(boolean) (issue 12 section 2, the "
                + "write-path branch); the rows appear once it does");
            return List.of();
        }
        List<BenchCase> cases = new ArrayList<>();
        cases.addAll(pair(run, backend, BLOCKING_RECORD_BYTES, 1, DeviceLimit.DIRECT_4K_D1));
        cases.addAll(pair(run, backend, PIPELINED_RECORD_BYTES, PIPELINED_IN_FLIGHT, DeviceLimit.DIRECT_64K_D8));
        return cases;
    }

    /** The limit and Keel, round after round; Keel blocking when {@code inFlight} is 1, else pipelining. */
    private List<BenchCase> pair(BenchRun run, String backend, int recordBytes, int inFlight, DeviceLimit limit)
        throws IOException {
        BenchSettings s = run.settings();
        long roundNs = s.windowNs() / s.rounds();
        String label = "direct: " + ResultTable.bytes(recordBytes) + " x " + inFlight;
        return run.inCaseDir(label, dir -> {
            List<Measurement> limitRounds = new ArrayList<>();
            List<Measurement> keelRounds = new ArrayList<>();
            try (AioContext ctx = Aio.open(AioOptions.defaults().backend(backend));
                 KeelLog keel = new KeelLog(Files.createDirectories(dir.resolve("keel")),
                     direct(WalOptions.defaults().durability(DURABILITY).aioBackend(backend)), DURABILITY)) {
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
            CaseResult keelRow = CaseResult.timed(CaseResult.DIRECT, "keel", DURABILITY.name(), backend, 1, recordBytes, inFlight, keelTotal,
                s.rounds(), "on disk (O_DIRECT+O_DSYNC)", "WalOptions.directIo(true), " + DURABILITY
                    + (inFlight == 1 ? ", blocking Wal.append" : ", appendAsync pipelined"));
            List<BenchCase> rows = List.of(new BenchCase(limitRow, limitTotal.latencyNs()).withRatio(Spread.of(1, 1, 1)),
                new BenchCase(keelRow, keelTotal.latencyNs()).withRatio(Spread.of(ratios)).withDeviceLimit(limit.label(),
                    Spread.of(ratios) == null ? null : Spread.of(ratios).median()));
            rows.forEach(c -> run.table().row(c.result()));
            return rows;
        });
    }
}
