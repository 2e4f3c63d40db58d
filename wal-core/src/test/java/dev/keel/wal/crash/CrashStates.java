package dev.keel.wal.crash;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The states a power cut at one crash point could leave, chosen among what {@link DiskModel}'s
 * rules allow:
 * <ul>
 *   <li>every unsynced write dropped, with the pending namespace operations undone, and kept;</li>
 *   <li>each prefix of the unsynced writes kept (in submission order);</li>
 *   <li>seeded random subsets of the unsynced writes (reordered: a later one without an earlier
 *       one), with a random prefix of the pending namespace operations;</li>
 *   <li>one unsynced write torn at each of its sector boundaries, both ways: its sectors before
 *       the boundary landed, or only those from it on (a hole before later bytes, what a
 *       multi-page write can leave), with the unsynced writes before it kept;</li>
 *   <li>each prefix of the namespace operations since the last directory sync, data kept.</li>
 * </ul>
 * Up to the bounds every such state is generated; beyond them they are sampled with the
 * explorer's printed seed.
 */
final class CrashStates {
    /** How many states of each kind one crash point may produce. */
    record Bounds(int prefixes, int randomSubsets, int tornWrites, int boundariesPerWrite) {
        static final Bounds CI = new Bounds(6, 3, 3, 3);
        static final Bounds LONG = new Bounds(64, 64, 64, 128);
    }

    private CrashStates() {
    }

    static List<CrashState> at(DiskModel model, List<DiskModel.Op> ops, long crashAt, SplittableRandom random, Bounds bounds) {
        DiskModel.Split split = DiskModel.split(ops, crashAt);
        List<DiskModel.NameOp> pending = DiskModel.pendingNames(ops, crashAt);
        int u = split.unsynced().size();
        List<CrashState> states = new ArrayList<>();
        Set<DiskModel.NameOp> allNames = new HashSet<>(pending);
        states.add(build(model, ops, crashAt, split, keepFirst(u, 0), Set.of()));
        states.add(build(model, ops, crashAt, split, keepFirst(u, 0), allNames));
        for (int i : sample(1, u, bounds.prefixes(), random)) {
            states.add(build(model, ops, crashAt, split, keepFirst(u, i), allNames));
        }
        for (int k : sample(0, pending.size() - 1, bounds.prefixes(), random)) {
            states.add(build(model, ops, crashAt, split, keepFirst(u, u), new HashSet<>(pending.subList(0, k))));
        }
        for (int s = 0; s < bounds.randomSubsets() && u > 1; s++) {
            SectorMask[] keep = new SectorMask[u];
            for (int i = 0; i < u; i++) {
                keep[i] = random.nextBoolean() ? SectorMask.ALL : null;
            }
            int names = random.nextInt(pending.size() + 1);
            states.add(build(model, ops, crashAt, split, keep, new HashSet<>(pending.subList(0, names))));
        }
        for (int w : sample(0, u - 1, bounds.tornWrites(), random)) {
            tear(model, ops, crashAt, split, w, allNames, random, bounds, states);
        }
        return states;
    }

    private static void tear(DiskModel model, List<DiskModel.Op> ops, long crashAt, DiskModel.Split split, int w,
                             Set<DiskModel.NameOp> names, SplittableRandom random, Bounds bounds, List<CrashState> out) {
        DiskModel.DataOp op = split.unsynced().get(w);
        if (op.isTruncate()) {
            return;
        }
        long firstSector = op.offset / DiskModel.SECTOR_BYTES;
        long lastSector = (op.end() - 1) / DiskModel.SECTOR_BYTES;
        int boundaries = (int) (lastSector - firstSector);
        for (int b : sample(1, boundaries, bounds.boundariesPerWrite(), random)) {
            long boundary = firstSector + b;
            for (SectorMask torn : new SectorMask[] {SectorMask.before(boundary),
                SectorMask.from(boundary)}) {
                SectorMask[] keep = keepFirst(split.unsynced().size(), w);
                keep[w] = torn;
                out.add(build(model, ops, crashAt, split, keep, names));
            }
        }
    }

    private static SectorMask[] keepFirst(int u, int kept) {
        SectorMask[] keep = new SectorMask[u];
        Arrays.fill(keep, 0, kept, SectorMask.ALL);
        return keep;
    }

    /** Every integer of [from, to] when there are at most {@code max}; else the two ends and a seeded sample. */
    static List<Integer> sample(int from, int to, int max, SplittableRandom random) {
        List<Integer> out = new ArrayList<>();
        if (to < from || max <= 0) {
            return out;
        }
        if (to - from + 1 <= max) {
            for (int i = from; i <= to; i++) {
                out.add(i);
            }
            return out;
        }
        Set<Integer> picked = new HashSet<>(max == 1 ? List.of(from) : List.of(from, to));
        while (picked.size() < max) {
            picked.add(from + random.nextInt(to - from + 1));
        }
        out.addAll(picked);
        out.sort(null);
        return out;
    }

    private static CrashState build(DiskModel model, List<DiskModel.Op> ops, long crashAt, DiskModel.Split split,
                                    SectorMask[] keep, Set<DiskModel.NameOp> names) {
        return DiskModel.apply(ops, model.initialNames(), model.initialContents(), crashAt, split, keep, names);
    }
}
