package dev.keel.wal.crash;

import dev.keel.aio.Aio;
import dev.keel.recovery.RecoveryMode;
import dev.keel.wal.Durability;
import dev.keel.wal.WalOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Segment recycling crashed at <em>every</em> point, not a sample: from truncateBefore (old
 * segments renamed to {@code .spare}, directory synced) through the rolls that reuse them (a
 * spare zero-filled in place, synced, renamed to the new segment, directory synced) to the end
 * of the workload. At each point two states: every unsynced write and pending name dropped, and
 * every one kept; each opened in every recovery mode. No stale frame of a recycled file may pass
 * as a record, no acknowledged record may go missing, and every state must open.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SegmentRecyclingCrashTest {
    @TempDir
    Path dir;

    @Test
    void everyCrashPointOfARecycleAndItsReuseKeepsEveryPromise() throws Exception {
        CrashExplorer explorer = new CrashExplorer(Aio.backend("threads"), Durability.FDATASYNC, CrashExplorer.Limits.CI, 1, dir);
        CrashExplorer.Recorded run = explorer.recordRun(Workload.SEGMENT_RECYCLING);
        List<DiskModel.Op> ops = run.ops();
        long start = ops.stream().filter(op -> op instanceof DiskModel.MarkOp m && m.what.startsWith("truncateBefore"))
            .findFirst().orElseThrow().seq;
        assertTrue(ops.stream().anyMatch(op -> op instanceof DiskModel.NameOp n && n.to != null
            && n.to.toString().endsWith(".spare")), "truncateBefore kept no spare");
        assertTrue(ops.stream().anyMatch(op -> op instanceof DiskModel.NameOp n && n.from != null
            && n.from.toString().endsWith(".spare") && n.to != null && n.to.toString().endsWith(".seg")),
            "no roll reused a spare: the workload does not exercise recycling");

        Map<String, CrashState> distinct = new LinkedHashMap<>();
        for (long t = start + 1; t <= run.end(); t++) {
            DiskModel.Split split = DiskModel.split(ops, t);
            List<DiskModel.NameOp> pending = DiskModel.pendingNames(ops, t);
            SectorMask[] none = new SectorMask[split.unsynced().size()];
            SectorMask[] all = new SectorMask[split.unsynced().size()];
            java.util.Arrays.fill(all, SectorMask.ALL);
            for (CrashState s : List.of(
                DiskModel.apply(ops, run.model().initialNames(), run.model().initialContents(), t, split, none, Set.of()),
                DiskModel.apply(ops, run.model().initialNames(), run.model().initialContents(), t, split, all, Set.copyOf(pending)))) {
                distinct.put(s.digest(), s);
            }
        }
        CrashChecker checker = explorer.checker("recycling", Workload.SEGMENT_RECYCLING.options(WalOptions.defaults()));
        Map<RecoveryMode, Integer> opened = new EnumMap<>(RecoveryMode.class);
        List<String> problems = new ArrayList<>();
        for (CrashState s : distinct.values()) {
            for (String p : CrashExplorer.checkState(checker, s, CrashChecker.Expectation.of(run.history(), s.crashAt(),
                explorer.durable()), run.history(), opened)) {
                problems.add(s.describe() + ": " + p);
            }
        }
        System.out.println("crash-explorer SEGMENT_RECYCLING every point #" + (start + 1) + "..#" + run.end() + ": "
            + distinct.size() + " distinct states, opened " + opened);
        assertEquals(List.of(), problems);
        assertTrue(distinct.size() > 10, "too few states to have crossed the recycle: " + distinct.size());
    }
}
