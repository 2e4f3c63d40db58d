package dev.keel.bench.durability;

import dev.keel.wal.Durability;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static dev.keel.bench.durability.ResultTable.Column.MB_PER_SEC;
import static dev.keel.bench.durability.ResultTable.Column.P50;
import static dev.keel.bench.durability.ResultTable.Column.P99;
import static dev.keel.bench.durability.ResultTable.Column.P999;
import static dev.keel.bench.durability.ResultTable.Column.RATIO;
import static dev.keel.bench.durability.ResultTable.Column.RECORD;
import static dev.keel.bench.durability.ResultTable.Column.RECORDS_PER_SEC;
import static dev.keel.bench.durability.ResultTable.Column.SYSTEM;
import static dev.keel.bench.durability.ResultTable.Column.THREADS;

/**
 * Section 2, group commit scaling: 1 to 64 threads appending blocking records with FDATASYNC,
 * Keel beside the peers at their strongest durable setting, in the same run. Within each
 * (threads, record size) group the peers run first, then Keel, and every row's ratio is against
 * the best peer of its group, so Keel's row says how far ahead or behind the best alternative it is.
 */
public final class ScalingSection implements Section {
    static final int[] THREAD_COUNTS = {1, 4, 16, 64};
    static final int[] RECORD_BYTES = {128, 4096};

    /** A peer: its name for the progress line and how to open it. */
    private record Peer(String name, BenchRun.LogFactory<? extends DurableLog> factory) {
    }

    private static final List<Peer> PEERS = List.of(
        new Peer("rocksdb", RocksDbLog::new),
        new Peer("chronicle-queue", ChronicleQueueLog::new),
        new Peer("filechannel", FileChannelLog::new));

    @Override
    public String name() {
        return CaseResult.SCALING;
    }

    @Override
    public int timedCases(BenchSettings s) {
        return THREAD_COUNTS.length * RECORD_BYTES.length * (PEERS.size() + 1);
    }

    @Override
    public List<BenchCase> run(BenchRun run) throws IOException {
        String backend = run.settings().bestBackend();
        run.table().section("2. Group commit scaling: blocking appends, FDATASYNC, Keel beside the peers",
            List.of("Keel on " + backend + "; ratio = records/s against the best peer of the same threads and record size.",
                "Every system returns from an append only once the record is durable (see the notes below)."),
            List.of(SYSTEM, THREADS, RECORD, RECORDS_PER_SEC, MB_PER_SEC, P50, P99, P999, RATIO));
        List<BenchCase> cases = new ArrayList<>();
        for (int recordBytes : RECORD_BYTES) {
            for (int threads : THREAD_COUNTS) {
                cases.addAll(group(run, backend, threads, recordBytes));
            }
        }
        return cases;
    }

    private List<BenchCase> group(BenchRun run, String backend, int threads, int recordBytes) throws IOException {
        String where = threads + " x " + ResultTable.bytes(recordBytes);
        List<BenchCase> measured = new ArrayList<>();
        for (Peer p : PEERS) {
            measured.add(run.closedLoop(CaseResult.SCALING, "scaling: " + p.name() + ", " + where, p.factory(), null, null,
                threads, recordBytes));
        }
        double best = measured.stream().mapToDouble(c -> c.result().recordsPerSec()).max().orElse(0);
        measured.add(0, run.closedLoop(CaseResult.SCALING, "scaling: keel, " + where,
            dir -> new KeelLog(dir, Durability.FDATASYNC, backend), Durability.FDATASYNC.name(), backend, threads, recordBytes));
        List<BenchCase> group = new ArrayList<>();
        for (BenchCase c : measured) {
            BenchCase rated = c.withRatio(CaseResult.ratio(c.result().recordsPerSec(), best));
            group.add(rated);
            run.table().row(rated.result());
        }
        return group;
    }
}
