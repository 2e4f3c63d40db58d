package dev.keel.wal.crash;

import dev.keel.aio.Aio;
import dev.keel.wal.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The persistence rules for O_DIRECT writes, on the model alone and on a recorded DIRECT run:
 * an O_DIRECT write is not durable on completion (the device's cache) unless the file was opened
 * O_DSYNC or O_SYNC, a later sync of the file makes it durable, and DIRECT batches at depth are
 * recorded in flight together.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DiskModelTest {
    @TempDir
    Path dir;

    @Test
    void anODirectWriteIsDurableOnlyAfterASyncUnlessTheFileIsODsync() {
        DiskModel m = new DiskModel(Map.of(), Map.of());
        int plain = m.create(Path.of("a"), false);
        int dsync = m.create(Path.of("b"), false);
        DiskModel.DataOp direct = m.write(plain, 0, new byte[4096], false, true);
        DiskModel.DataOp directDsync = m.write(dsync, 0, new byte[4096], true, true);
        long bothInFlight = m.nextSeq();
        m.completed(direct, false);
        m.completed(directDsync, false);
        long completed = m.nextSeq();
        DiskModel.SyncOp sync = m.sync(plain);
        m.completed(sync, false);
        long synced = m.nextSeq();

        List<DiskModel.Op> ops = m.ops();
        assertEquals(List.of(), DiskModel.split(ops, bothInFlight).durable(), "nothing in flight is durable");
        assertEquals(List.of(directDsync), DiskModel.split(ops, completed).durable(),
            "a completed O_DIRECT write without O_DSYNC sits in the device's cache");
        assertEquals(List.of(direct), DiskModel.split(ops, completed).unsynced());
        assertEquals(List.of(direct, directDsync), DiskModel.split(ops, synced).durable(), "the sync made it durable");
        assertEquals(2, m.maxWritesInFlight());
        assertEquals(2, DiskModel.writesInFlight(ops)[(int) bothInFlight]);
        assertEquals(0, DiskModel.writesInFlight(ops)[(int) completed]);
    }

    /**
     * A recorded DIRECT_AT_DEPTH run in OPEN_DSYNC: its segment writes are O_DIRECT and O_DSYNC,
     * and at some crash point two of them are in flight at once, both unsynced there (so the
     * explorer can keep the later one without the earlier one).
     */
    @Test
    void directBatchesAtDepthAreRecordedInFlightTogether() throws Exception {
        CrashExplorer explorer = new CrashExplorer(Aio.backend(Aio.availableBackends().get(0)), Durability.OPEN_DSYNC,
            CrashExplorer.Limits.CI, 1, dir);
        CrashExplorer.Recorded run = explorer.recordRun(Workload.DIRECT_AT_DEPTH);
        List<DiskModel.Op> ops = run.ops();
        int[] inFlight = DiskModel.writesInFlight(ops);
        int deepPoints = 0;
        for (int t = 1; t < inFlight.length; t++) {
            if (inFlight[t] < 2) {
                continue;
            }
            long crashAt = t;
            List<DiskModel.DataOp> unsynced = DiskModel.split(ops, crashAt).unsynced();
            long directInFlight = unsynced.stream().filter(d -> d.direct && d.durableOnCompletion && d.completedAt >= crashAt).count();
            assertTrue(directInFlight >= 1, "crash point " + t + ": the writes in flight are O_DIRECT | O_DSYNC and unsynced");
            if (directInFlight >= 2) {
                deepPoints++;
            }
        }
        assertTrue(deepPoints > 0, "no crash point with two DIRECT writes in flight: the workload did not run at depth");
    }
}
