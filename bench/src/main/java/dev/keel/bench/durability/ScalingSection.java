package dev.keel.bench.durability;

import dev.keel.wal.Durability;
import dev.keel.wal.WalOptions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static dev.keel.bench.durability.ResultTable.Column.CPU_PER_RECORD;
import static dev.keel.bench.durability.ResultTable.Column.DEVICE_RATIO;
import static dev.keel.bench.durability.ResultTable.Column.GUARANTEE;
import static dev.keel.bench.durability.ResultTable.Column.MB_PER_SEC;
import static dev.keel.bench.durability.ResultTable.Column.P50;
import static dev.keel.bench.durability.ResultTable.Column.P99;
import static dev.keel.bench.durability.ResultTable.Column.P999;
import static dev.keel.bench.durability.ResultTable.Column.RATIO_SPREAD;
import static dev.keel.bench.durability.ResultTable.Column.RECORD;
import static dev.keel.bench.durability.ResultTable.Column.RECORDS_PER_SEC;
import static dev.keel.bench.durability.ResultTable.Column.SAMPLES;
import static dev.keel.bench.durability.ResultTable.Column.SYSTEM;
import static dev.keel.bench.durability.ResultTable.Column.THREADS;

/**
 * Section 2, group commit scaling: 1 to 64 threads appending blocking records, Keel with
 * FDATASYNC, with OPEN_DSYNC (each write durable when it completes: the same promise with no
 * separate sync call, which a lone writer makes inline as one pwrite) and with DIRECT segments in
 * OPEN_DSYNC (O_DIRECT + O_DSYNC: one block-padded write per group, several groups in flight)
 * beside the peers at their strongest durable setting. Each (threads, record size) group
 * runs in interleaved {@link Rounds}; every row's ratio is the median over the rounds of its rate
 * over the best peer's in the same round. Above each group, the closed-loop device bound
 * ({@link ClosedLoopBound}, from the limits section), and Keel's row is also held against it.
 */
public final class ScalingSection implements Section {
    static final int[] THREAD_COUNTS = {1, 4, 16, 64};
    static final int[] RECORD_BYTES = {128, 4096};
    /** Keel's entrants, first in every round: FDATASYNC, OPEN_DSYNC ("keel-dsync"), DIRECT + OPEN_DSYNC ("keel-direct"). */
    static final int KEEL_ENTRANTS = 3;
    /** The bound's rows, as the report and the JSON's system field name them. */
    static final String BOUND = "bound";

    /** The peers that can run here, in the order they run in each round (Keel runs first). */
    static List<Rounds.Entrant> peers(DeviceLimits limits) {
        List<Rounds.Entrant> peers = new ArrayList<>(List.of(
            new Rounds.Entrant("rocksdb", null, null, RocksDbLog::new),
            new Rounds.Entrant("chronicle-queue", null, null, ChronicleQueueLog::new),
            new Rounds.Entrant("filechannel", null, null, FileChannelLog::new)));
        for (Rounds.Entrant artemis : ArtemisJournalLog.entrants(limits)) {
            if (ArtemisJournalLog.unavailable(kindOf(artemis)) == null) {
                peers.add(artemis);
            }
        }
        return peers;
    }

    private static String kindOf(Rounds.Entrant artemis) {
        return artemis.label().substring("artemis-".length()).toUpperCase(java.util.Locale.ROOT);
    }

    @Override
    public String name() {
        return CaseResult.SCALING;
    }

    @Override
    public int timedCases(BenchSettings s) {
        return THREAD_COUNTS.length * RECORD_BYTES.length * (peers(null).size() + KEEL_ENTRANTS);
    }

    @Override
    public List<BenchCase> run(BenchRun run) throws IOException {
        String backend = run.settings().bestBackend();
        run.table().section("2. Group commit scaling: blocking appends, Keel (FDATASYNC; keel-dsync: OPEN_DSYNC; keel-direct: directIo + OPEN_DSYNC) beside the peers",
            List.of("Keel on " + backend + "; ratio = records/s against the best peer of the same round, median of "
                    + run.settings().rounds() + " interleaved rounds (lowest-highest).",
                "bound = the closed-loop device bound; vs limit = Keel's records/s over it. "
                    + (run.limits().canBound() ? ClosedLoopBound.formula() : "(no bound: the limits section did not run)"),
                "Every row's durable column says what a returned append guarantees; cpu us/rec = process CPU per record."),
            List.of(SYSTEM, THREADS, RECORD, RECORDS_PER_SEC, MB_PER_SEC, P50, P99, P999, SAMPLES, CPU_PER_RECORD, RATIO_SPREAD,
                DEVICE_RATIO, GUARANTEE));
        List<BenchCase> cases = new ArrayList<>();
        for (int recordBytes : RECORD_BYTES) {
            for (int threads : THREAD_COUNTS) {
                cases.addAll(group(run, backend, threads, recordBytes));
            }
        }
        return cases;
    }

    private List<BenchCase> group(BenchRun run, String backend, int threads, int recordBytes) throws IOException {
        List<BenchCase> group = new ArrayList<>();
        Double bound = null;
        if (run.limits().canBound()) {
            bound = run.limits().bound(threads, recordBytes);
            BenchCase b = new BenchCase(boundRow(CaseResult.SCALING, threads, null, recordBytes, bound), null);
            group.add(b);
            run.table().row(b.result());
        }
        List<Rounds.Entrant> entrants = new ArrayList<>();
        entrants.add(new Rounds.Entrant("keel", Durability.FDATASYNC.name(), backend,
            dir -> new KeelLog(dir, Durability.FDATASYNC, backend)));
        entrants.add(new Rounds.Entrant("keel-dsync", Durability.OPEN_DSYNC.name(), backend,
            dir -> new KeelLog("keel-dsync", dir, WalOptions.defaults().durability(Durability.OPEN_DSYNC).aioBackend(backend),
                Durability.OPEN_DSYNC)));
        entrants.add(new Rounds.Entrant("keel-direct", Durability.OPEN_DSYNC.name(), backend,
            dir -> new KeelLog("keel-direct", dir, WalOptions.defaults().durability(Durability.OPEN_DSYNC).directIo(true)
                .aioBackend(backend), Durability.OPEN_DSYNC)));
        entrants.addAll(peers(run.limits()));
        Rounds.Result result = Rounds.closedLoop(run, "scaling: " + threads + " x " + ResultTable.bytes(recordBytes), entrants,
            threads, recordBytes);
        for (int i = 0; i < entrants.size(); i++) {
            BenchCase c = new BenchCase(Rounds.row(result, i, CaseResult.SCALING, threads, recordBytes), result.total(i).latencyNs())
                .withRatio(result.ratio(i, ScalingSection::bestPeer));
            if (i < KEEL_ENTRANTS && bound != null) {
                c = c.withDeviceLimit(BOUND, c.result().recordsPerSec() / bound);
            }
            group.add(c);
            run.table().row(c.result());
        }
        for (String kind : ArtemisJournalLog.KINDS) {
            String why = ArtemisJournalLog.unavailable(kind);
            if (why != null) {
                CaseResult skipped = new CaseResult(CaseResult.SCALING, "artemis-" + kind.toLowerCase(java.util.Locale.ROOT), null,
                    null, threads, recordBytes, null, null, null, null, null, null, null, null, null, null, null, 0, null, null,
                    "-", "not run: " + why);
                group.add(new BenchCase(skipped, null));
                run.table().row(skipped);
            }
        }
        return group;
    }

    /** The best peer's records/s in one round: the first {@link #KEEL_ENTRANTS} are Keel, the rest are peers. */
    static double bestPeer(double[] rates) {
        double best = 0;
        for (int i = KEEL_ENTRANTS; i < rates.length; i++) {
            best = Math.max(best, rates[i]);
        }
        return best;
    }

    /** A row holding the closed-loop bound for {@code threads} writers (or {@code inFlight} records in flight). */
    static CaseResult boundRow(String section, int threads, Integer inFlight, int recordBytes, double bound) {
        return new CaseResult(section, BOUND, null, null, threads, recordBytes, inFlight, bound, bound * recordBytes / 1e6, null,
            null, null, null, null, null, null, null, 1, null, null, "-",
            "closed-loop device bound: " + ClosedLoopBound.formula());
    }
}
