package dev.keel.wal.crash;

import dev.keel.aio.Aio;
import dev.keel.aio.AioBackend;
import dev.keel.recovery.RecoveryMode;
import dev.keel.wal.Durability;
import dev.keel.wal.WalOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each bug the crash-state explorer found, replayed: the workload that showed it runs recorded
 * (single-threaded, so its operations come in the same order every time), the crash state that
 * broke a promise is rebuilt from the model at the same crash point with the same choice, and
 * opened in every recovery mode.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CrashStateRegressionTest {
    @TempDir
    Path dir;

    private final AioBackend threads = Aio.backend("threads");

    /** Found: a power cut during a clean close left keel.clean.tmp, and the log refused to open ("a file Keel does not own"). */
    @Test
    void aCrashDuringTheCleanCloseLeavesALogThatOpens() throws Exception {
        CrashExplorer explorer = new CrashExplorer(threads, Durability.FDATASYNC, CrashExplorer.Limits.CI, 1, dir);
        CrashExplorer.Recorded run = explorer.recordRun(Workload.CLEAN_CLOSE);
        long renameOfMarker = first(run, op -> op instanceof DiskModel.NameOp n && n.to != null
            && n.to.toString().equals("keel.clean") && n.from != null);
        CrashState state = dropUnsynced(run, renameOfMarker, true);
        assertTrue(state.files().containsKey(Path.of("keel.clean.tmp")), state.describe());
        assertNoProblems(explorer, run, state, Workload.CLEAN_CLOSE);
    }

    /**
     * Found: in NONE mode a later write that landed without an earlier one (nothing is ever
     * synced) made recovery refuse the log: the frames claimed the records before them durable.
     */
    @Test
    void inNoneModeALaterWriteWithoutAnEarlierOneIsATornTail() throws Exception {
        CrashExplorer explorer = new CrashExplorer(threads, Durability.NONE, CrashExplorer.Limits.CI, 1, dir);
        CrashExplorer.Recorded run = explorer.recordRun(Workload.ONE_WRITER);
        List<DiskModel.DataOp> unsynced = DiskModel.split(run.ops(), run.end()).unsynced();
        SectorMask[] keep = new SectorMask[unsynced.size()];
        for (int i = 0; i < keep.length; i++) {
            if (unsynced.get(i).offset == 0 && !unsynced.get(i).isTruncate()) {
                keep[i] = SectorMask.ALL; // the segment's header persisted ...
            }
        }
        keep[keep.length - 1] = SectorMask.ALL; // ... and the last record's write, none between
        CrashState state = DiskModel.apply(run.ops(), run.model().initialNames(), run.model().initialContents(), run.end(),
            DiskModel.split(run.ops(), run.end()), keep, Set.copyOf(DiskModel.pendingNames(run.ops(), run.end())));
        assertNoProblems(explorer, run, state, Workload.ONE_WRITER);
    }

    /**
     * Found: truncateAfter zeroed the cut tail in place; a power cut that persisted the zeros over
     * the first discarded frame but not over the next left old frames after a hole, which proved
     * the hole durable, and recovery refused the log.
     */
    @Test
    void aCrashDuringTruncateAfterLeavesEitherTheOldLogOrTheCutOne() throws Exception {
        CrashExplorer explorer = new CrashExplorer(threads, Durability.FDATASYNC, CrashExplorer.Limits.CI, 1, dir);
        CrashExplorer.Recorded run = explorer.recordRun(Workload.TRUNCATIONS);
        long start = first(run, op -> op instanceof DiskModel.MarkOp m && m.what.startsWith("truncateAfter"));
        long end = first(run, op -> op.seq > start && op instanceof DiskModel.MarkOp m && m.what.equals("truncation done"));
        int states = 0;
        for (long t = start + 1; t <= end; t++) {
            DiskModel.Split split = DiskModel.split(run.ops(), t);
            List<DiskModel.NameOp> pending = DiskModel.pendingNames(run.ops(), t);
            for (int w = 0; w < split.unsynced().size(); w++) {
                SectorMask[] keep = new SectorMask[split.unsynced().size()];
                keep[w] = SectorMask.ALL; // each unsynced write alone: the first zeroing write without the rest
                for (boolean names : new boolean[] {false, true}) {
                    CrashState s = DiskModel.apply(run.ops(), run.model().initialNames(), run.model().initialContents(), t, split,
                        keep, names ? Set.copyOf(pending) : Set.of());
                    assertNoProblems(explorer, run, s, Workload.TRUNCATIONS);
                    states++;
                }
            }
        }
        assertTrue(states > 0, "the truncation made no unsynced write to replay");
    }

    /**
     * Found once the DIRECT block-size probe went through the storage: a power cut after the
     * probe's name became durable but before its removal did left {@code .direct-probe}, and the
     * log refused to open ("a file Keel does not own"); recovery now deletes it like a .prep file.
     */
    @Test
    void aCrashThatKeepsTheDirectProbeLeavesALogThatOpens() throws Exception {
        CrashExplorer explorer = new CrashExplorer(threads, Durability.FDATASYNC, CrashExplorer.Limits.CI, 1, dir);
        CrashExplorer.Recorded run = explorer.recordRun(Workload.DIRECT_AT_DEPTH);
        long create = first(run, op -> op instanceof DiskModel.NameOp n && n.from == null && n.to != null
            && n.to.toString().equals(".direct-probe"));
        long delete = first(run, op -> op instanceof DiskModel.NameOp n && n.to == null && n.from != null
            && n.from.toString().equals(".direct-probe"));
        long crashAt = delete + 1;
        DiskModel.Split split = DiskModel.split(run.ops(), crashAt);
        Set<DiskModel.NameOp> kept = new java.util.HashSet<>();
        for (DiskModel.NameOp n : DiskModel.pendingNames(run.ops(), crashAt)) {
            if (n.seq <= create) {
                kept.add(n); // the probe's name made it to disk, its removal did not
            }
        }
        CrashState state = DiskModel.apply(run.ops(), run.model().initialNames(), run.model().initialContents(), crashAt, split,
            new SectorMask[split.unsynced().size()], kept);
        assertTrue(state.files().containsKey(Path.of(".direct-probe")), state.describe());
        assertNoProblems(explorer, run, state, Workload.DIRECT_AT_DEPTH);
    }

    private static long first(CrashExplorer.Recorded run, Predicate<DiskModel.Op> p) {
        return run.ops().stream().filter(p).findFirst().orElseThrow(() -> new AssertionError("no such operation")).seq;
    }

    private static CrashState dropUnsynced(CrashExplorer.Recorded run, long crashAt, boolean keepNames) {
        DiskModel.Split split = DiskModel.split(run.ops(), crashAt);
        return DiskModel.apply(run.ops(), run.model().initialNames(), run.model().initialContents(), crashAt, split,
            new SectorMask[split.unsynced().size()], keepNames ? Set.copyOf(DiskModel.pendingNames(run.ops(), crashAt)) : Set.of());
    }

    private void assertNoProblems(CrashExplorer explorer, CrashExplorer.Recorded run, CrashState state, Workload w) throws Exception {
        CrashChecker checker = explorer.checker("replay", w.options(WalOptions.defaults()));
        Map<RecoveryMode, Integer> opened = new EnumMap<>(RecoveryMode.class);
        List<String> problems = CrashExplorer.checkState(checker, state,
            CrashChecker.Expectation.of(run.history(), state.crashAt(), explorer.durable()), run.history(), opened);
        assertEquals(List.of(), problems, state.describe());
        assertEquals(4, opened.size());
    }
}
