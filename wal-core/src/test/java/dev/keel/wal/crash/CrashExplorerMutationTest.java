package dev.keel.wal.crash;

import dev.keel.aio.Aio;
import dev.keel.recovery.PlantedScanBug;
import dev.keel.wal.Durability;
import dev.keel.wal.PlantedBugs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A harness that cannot see loss proves nothing: with each bug planted in the log (through
 * {@link PlantedBugs}, package-private in main code), the explorer must report what it breaks.
 * The same workloads without a bug are explored clean by {@link CrashExplorerTest}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CrashExplorerMutationTest {
    private static final long SEED = 20261130L;

    @TempDir
    Path dir;

    /**
     * Every crash point, not a sample, for the pipelined workload: where its multi-frame batch is
     * in flight depends on the run's timing, and a planted bug must be found whatever it was.
     */
    private static final CrashExplorer.Limits EVERY_POINT = new CrashExplorer.Limits(Integer.MAX_VALUE, CrashStates.Bounds.CI, 1,
        Integer.MAX_VALUE, Integer.MAX_VALUE);
    /** CI's crash points, every distinct state they produce opened (CI's per-run sample of states could miss the one that shows it). */
    private static final CrashExplorer.Limits EVERY_STATE = new CrashExplorer.Limits(CrashExplorer.Limits.CI.crashPoints(),
        CrashStates.Bounds.CI, 1, Integer.MAX_VALUE, Integer.MAX_VALUE);

    private CrashExplorer.Report explore(Workload w) throws Exception {
        return explore(w, Durability.FDATASYNC, w == Workload.PIPELINED ? EVERY_POINT : EVERY_STATE);
    }

    private CrashExplorer.Report explore(Workload w, Durability durability, CrashExplorer.Limits limits) throws Exception {
        CrashExplorer explorer = new CrashExplorer(Aio.backend(Aio.availableBackends().get(0)), durability, limits, SEED, dir);
        CrashExplorer.Report r = explorer.explore(w);
        System.out.println("planted: " + r.line());
        return r;
    }

    private static void assertReports(CrashExplorer.Report r, String what) {
        assertTrue(r.problems().stream().anyMatch(p -> p.contains(what)),
            () -> "the explorer did not report '" + what + "': " + r.line() + "\n" + String.join("\n", r.problems()));
    }

    @Test
    void acknowledgingBeforeTheSyncCompletesLosesAcknowledgedRecords() throws Exception {
        PlantedBugs.with("ACK_BEFORE_SYNC", () -> assertReports(explore(Workload.ONE_WRITER), "is missing"));
    }

    @Test
    void skippingTheDirectorySyncAfterCreatingASegmentLosesAcknowledgedRecords() throws Exception {
        PlantedBugs.with("NO_DIRECTORY_SYNC_AFTER_SEGMENT_CREATE", () -> assertReports(explore(Workload.SEGMENT_ROLLS), "is missing"));
    }

    @Test
    void syncingTheWrongFileLosesAcknowledgedRecords() throws Exception {
        PlantedBugs.with("SYNC_WRONG_FILE", () -> assertReports(explore(Workload.ONE_WRITER), "is missing"));
    }

    @Test
    void takingAHoleBeforeALaterBatchForMidLogCorruptionRefusesAnOrdinaryCrash() throws Exception {
        PlantedScanBug.holeIsCorruption(() -> assertReports(explore(Workload.PIPELINED), "refused to open a state a power cut can leave"));
    }

    /**
     * The same planted bug, seen through DIRECT at depth with O_DSYNC (no sync request: a later
     * batch's completed write is durable while an earlier batch is still in flight): the explorer's
     * deep crash points, between concurrent writes, must produce the hole and report the refusal.
     */
    @Test
    void takingAHoleBeforeALaterDirectBatchForMidLogCorruptionRefusesAnOrdinaryCrash() throws Exception {
        PlantedScanBug.holeIsCorruption(() -> assertReports(explore(Workload.DIRECT_AT_DEPTH, Durability.OPEN_DSYNC,
            EVERY_STATE), "refused to open a state a power cut can leave"));
    }
}
