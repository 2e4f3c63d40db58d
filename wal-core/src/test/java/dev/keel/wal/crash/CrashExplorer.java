package dev.keel.wal.crash;

import dev.keel.aio.AioBackend;
import dev.keel.recovery.RecoveryMode;
import dev.keel.recovery.RecoveryReport;
import dev.keel.wal.Durability;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongFunction;

/**
 * Runs a workload on a recorded disk, then opens every crash state it could have left (up to
 * the bounds; sampled beyond them with the seed it prints) in every recovery mode, and reports
 * what broke a promise.
 *
 * <p>Crash points: after every completed request (each completion, each file operation, each
 * acknowledgement the workload saw) and at seeded random points in between; states that are
 * byte for byte the same are opened once, with the expectations of the latest crash point that
 * produced them (the strictest: acknowledgements only accumulate).
 */
final class CrashExplorer {
    /** What one exploration did and found. */
    record Report(String workload, String backend, Durability durability, long seed, int crashPoints, int deepPoints,
                  int statesGenerated, int distinctStates, int ownBackendStates, Map<RecoveryMode, Integer> opened,
                  List<String> problems) {
        String line() {
            return String.format("crash-explorer %-17s %-9s %-10s seed=%d points=%d (deep %d) generated=%d distinct=%d"
                    + " opened %s (%d on %s)%s",
                workload, backend, durability, seed, crashPoints, deepPoints, statesGenerated, distinctStates, opened,
                ownBackendStates, backend,
                problems.isEmpty() ? "" : " PROBLEMS=" + problems.size());
        }
    }

    /**
     * How much to explore: crash points per run, states per point, distinct states opened per run
     * (a seeded sample beyond it), and how many of those are opened on the run's own backend (the
     * rest on {@code reader}, the fastest: the write path under test is the run's backend in every
     * state either way; what differs is only the backend recovery reads the state back with).
     */
    record Limits(int crashPoints, CrashStates.Bounds bounds, int repairStates, int maxStates, int ownBackendStates) {
        /**
         * CI: every workload, mode and backend (200 runs) within about two minutes on two cores:
         * each state costs four opens (one per recovery mode).
         */
        static final Limits CI = new Limits(12, CrashStates.Bounds.CI, 1, 16, Integer.MAX_VALUE);
        static final Limits LONG = new Limits(400, CrashStates.Bounds.LONG, 8, Integer.MAX_VALUE, Integer.MAX_VALUE);

        /** These limits, with at most {@code states} of each run's states opened on its own backend. */
        Limits ownBackendStates(int states) {
            return new Limits(crashPoints, bounds, repairStates, maxStates, states);
        }

        Limits everyPoint() {
            return new Limits(Integer.MAX_VALUE, bounds, repairStates, maxStates, ownBackendStates);
        }
    }

    private static final int MAX_PROBLEMS = 20;

    private final AioBackend real;
    private final AioBackend reader;
    private final Durability durability;
    private final Limits limits;
    private final long seed;
    private final Path base;
    private int runs;

    CrashExplorer(AioBackend real, Durability durability, Limits limits, long seed, Path base) {
        this(real, real, durability, limits, seed, base);
    }

    /** @param reader the backend that opens the states beyond {@link Limits#ownBackendStates} */
    CrashExplorer(AioBackend real, AioBackend reader, Durability durability, Limits limits, long seed, Path base) {
        this.real = real;
        this.reader = reader;
        this.durability = durability;
        this.limits = limits;
        this.seed = seed;
        this.base = base;
    }

    /** Explores one workload. */
    Report explore(Workload workload) throws Exception {
        Recorded run = record(workload, null);
        List<Long> points = crashPoints(run.ops, run.end, new SplittableRandom(seed));
        return check(workload.name(), run, run.history, points,
            t -> CrashChecker.Expectation.of(run.history, t, CrashChecker.durable(durability)), workload.options(WalOptions.defaults()));
    }

    /**
     * A repair interrupted by a second crash at every step: crash states of ONE_WRITER that
     * recovery must cut (a torn tail into quarantine/) become the starting disk of a second
     * recorded run that only opens the log, and every state of that run is opened again.
     */
    Report exploreRepair() throws Exception {
        Workload first = Workload.ONE_WRITER;
        Recorded run = record(first, null);
        WalOptions options = first.options(WalOptions.defaults()).durability(durability).aioBackend(reader); // a probe, not a check
        CrashChecker probe = new CrashChecker(options, base.resolve("probe"));
        SplittableRandom random = new SplittableRandom(seed);
        List<Report> reports = new ArrayList<>();
        int found = 0;
        for (long t = 1; t <= run.end; t++) { // every point until one needs a repair: torn writes are rare in O_DSYNC modes
            for (CrashState s : CrashStates.at(run.model, run.ops, t, random, limits.bounds())) {
                CrashChecker.Expectation expect = CrashChecker.Expectation.of(run.history, t, CrashChecker.durable(durability));
                probe.check(s, expect, RecoveryMode.TOLERATE_CORRUPTED_TAIL, run.history, null, null);
                if (found < limits.repairStates() && probe.lastReport != null && probe.lastReport.bytesCut() > 0) {
                    found++;
                    Recorded repair = record(null, s);
                    List<Long> points = new ArrayList<>();
                    for (long p = 1; p <= repair.end; p++) {
                        points.add(p); // every step of the repair
                    }
                    reports.add(check("REPAIR", repair, run.history, points, x -> expect, first.options(WalOptions.defaults())));
                }
            }
            if (found >= limits.repairStates()) {
                break;
            }
        }
        if (found == 0) {
            throw new AssertionError("no crash state of " + first + " needed a repair: the repair workload explored nothing");
        }
        return merge("REPAIR", reports);
    }

    private Report merge(String name, List<Report> reports) {
        Map<RecoveryMode, Integer> opened = new EnumMap<>(RecoveryMode.class);
        List<String> problems = new ArrayList<>();
        int points = 0;
        int deep = 0;
        int generated = 0;
        int distinct = 0;
        int own = 0;
        for (Report r : reports) {
            r.opened().forEach((m, n) -> opened.merge(m, n, Integer::sum));
            problems.addAll(r.problems());
            points += r.crashPoints();
            deep += r.deepPoints();
            generated += r.statesGenerated();
            distinct += r.distinctStates();
            own += r.ownBackendStates();
        }
        return new Report(name, real.name(), durability, seed, points, deep, generated, distinct, own, opened, problems);
    }

    boolean durable() {
        return CrashChecker.durable(durability);
    }

    CrashChecker checker(String name, WalOptions shape) {
        return checker(name, shape, real);
    }

    private CrashChecker checker(String name, WalOptions shape, AioBackend backend) {
        return new CrashChecker(shape.durability(durability).aioBackend(backend), base.resolve("check-" + name + "-" + (runs++)));
    }

    /** Opens one state in every recovery mode (TOLERATE_CORRUPTED_TAIL first: the others are compared with it). */
    static List<String> checkState(CrashChecker checker, CrashState s, CrashChecker.Expectation expect, History appended,
                                   Map<RecoveryMode, Integer> opened) throws IOException {
        List<String> problems = new ArrayList<>();
        RecoveryReport tolerant = null;
        List<Long> tolerantLsns = null;
        for (RecoveryMode mode : new RecoveryMode[] {RecoveryMode.TOLERATE_CORRUPTED_TAIL, RecoveryMode.ABSOLUTE_CONSISTENCY,
            RecoveryMode.POINT_IN_TIME, RecoveryMode.SKIP_ANY_CORRUPTED_RECORDS}) {
            checker.lastReport = null;
            problems.addAll(checker.check(s, expect, mode, appended, tolerant, tolerantLsns));
            opened.merge(mode, 1, Integer::sum);
            if (mode == RecoveryMode.TOLERATE_CORRUPTED_TAIL) {
                tolerant = checker.lastReport;
                tolerantLsns = checker.lastLsns;
            }
        }
        return problems;
    }

    /** A recorded run of {@code workload}, for a test that replays one of its states. */
    Recorded recordRun(Workload workload) throws Exception {
        return record(workload, null);
    }

    /** The recorded run: the model's operations, the history, and where the workload ended. */
    record Recorded(DiskModel model, List<DiskModel.Op> ops, History history, long end) {
    }

    /** Runs {@code workload} (or, with a {@code start} state, only opens the log on it) on a recorded disk. */
    private Recorded record(Workload workload, CrashState start) throws Exception {
        Path dir = Workload.logDir(base.resolve("run" + (runs++)));
        if (start != null) {
            start.materialize(dir);
        }
        RecordingBackend recorder = new RecordingBackend(real, dir);
        History history = new History(recorder.model());
        Workload shape = workload != null ? workload : Workload.ONE_WRITER;
        WalOptions options = shape.options(WalOptions.defaults()).durability(durability).aioBackend(recorder);
        Wal wal = Wal.open(dir, options);
        if (workload != null) {
            workload.run(wal, history); // a failure leaves the log open: closing a log whose committer stopped would wait
        } else {
            wal.close();
        }
        long end = recorder.model().mark("end of workload");
        wal.close();
        return new Recorded(recorder.model(), recorder.model().ops(), history, end);
    }

    /**
     * After every completed request and file operation, plus seeded random points between; at
     * most the limit. Half of them (when there are that many) are <em>deep</em> points, where two
     * or more writes are in flight at once, so that the states a power cut leaves between
     * concurrent writes (a later one landed, an earlier one not) are explored in every run
     * that has such points, whatever the sample.
     */
    private List<Long> crashPoints(List<DiskModel.Op> ops, long end, SplittableRandom random) {
        int[] inFlight = DiskModel.writesInFlight(ops);
        List<Long> deep = new ArrayList<>();
        List<Long> after = new ArrayList<>();
        for (long t = 1; t <= end; t++) {
            DiskModel.Op previous = ops.get((int) t - 1);
            boolean completion = !(previous instanceof DiskModel.DataOp d && d.bytes != null)
                && !(previous instanceof DiskModel.SyncOp);
            if (inFlight[(int) t] >= 2) {
                deep.add(t);
            } else if (completion || random.nextInt(8) == 0) {
                after.add(t);
            }
        }
        int limit = limits.crashPoints();
        int fromDeep = Math.min(deep.size(), Math.max(limit - after.size(), (limit + 1) / 2));
        List<Long> points = new ArrayList<>();
        for (int i : CrashStates.sample(0, deep.size() - 1, fromDeep, random)) {
            points.add(deep.get(i));
        }
        for (int i : CrashStates.sample(0, after.size() - 1, limit - fromDeep, random)) {
            points.add(after.get(i));
        }
        points.sort(null);
        return points;
    }

    /**
     * Opens every distinct state of {@code run} at {@code points} in every mode.
     *
     * @param appended the history whose appends the records must come from (the first run's, for a repair)
     */
    private Report check(String name, Recorded run, History appended, List<Long> points,
                         LongFunction<CrashChecker.Expectation> expectations, WalOptions shape) throws IOException {
        SplittableRandom random = new SplittableRandom(seed ^ name.hashCode());
        Map<String, CrashState> distinct = new LinkedHashMap<>();
        int generated = 0;
        for (long t : points) {
            for (CrashState s : CrashStates.at(run.model, run.ops, t, random, limits.bounds())) {
                generated++;
                distinct.put(s.digest(), s); // points ascend: the latest point wins
            }
        }
        int[] inFlight = DiskModel.writesInFlight(run.ops);
        int deep = (int) points.stream().filter(t -> inFlight[(int) (long) t] >= 2).count();
        List<CrashState> states = new ArrayList<>(distinct.values());
        List<CrashState> opening = new ArrayList<>();
        for (int i : CrashStates.sample(0, states.size() - 1, limits.maxStates(), random)) {
            opening.add(states.get(i));
        }
        CrashChecker own = checker(name, shape, real);
        CrashChecker other = reader == real ? own : checker(name, shape, reader);
        Map<RecoveryMode, Integer> opened = new EnumMap<>(RecoveryMode.class);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < opening.size(); i++) {
            CrashState s = opening.get(i);
            CrashChecker checker = i < limits.ownBackendStates() ? own : other;
            for (String p : checkState(checker, s, expectations.apply(s.crashAt()), appended, opened)) {
                if (problems.size() < MAX_PROBLEMS) {
                    problems.add(name + " " + real.name() + " " + durability + " seed=" + seed + " " + s.describe() + ": " + p);
                }
            }
        }
        return new Report(name, real.name(), durability, seed, points.size(), deep, generated, distinct.size(),
            Math.min(opening.size(), limits.ownBackendStates()), opened, problems);
    }
}
