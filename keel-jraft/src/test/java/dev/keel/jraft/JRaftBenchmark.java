package dev.keel.jraft;

import com.alipay.sofa.jraft.conf.ConfigurationManager;
import com.alipay.sofa.jraft.entity.EnumOutter.EntryType;
import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.entity.LogId;
import com.alipay.sofa.jraft.entity.codec.v2.LogEntryV2CodecFactory;
import com.alipay.sofa.jraft.option.LogStorageOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import com.alipay.sofa.jraft.storage.impl.RocksDBLogStorage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * KeelLogStorage beside RocksDBLogStorage, same machine, same run, interleaved (A B A B ...):
 * {@code LogStorage.appendEntries} alone at batch sizes 1, 16 and 256 (256-byte entries,
 * RaftOptions.sync = true, JRaft's default), and replicated writes per second on the
 * three-node cluster of {@link ClusterKillTest} (16 clients, one outstanding write each).
 * Not part of CI (it measures, it does not check): run it with
 * <pre>
 *   mvn -B -pl keel-jraft -am verify -Dkeel.jraft.bench=true -Dtest=JRaftBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * ({@code -Dkeel.jraft.bench.rounds}, {@code .seconds}, {@code .clients} to change its size,
 * {@code -Dkeel.jraft.bench.clusterOnly=true} for the cluster alone; the cluster rows also print
 * the node JVMs' CPU time per replicated write);
 * the table goes to stdout and {@code keel-jraft/target/jraft-bench.md}.
 */
class JRaftBenchmark {
    static final int ROUNDS = Integer.getInteger("keel.jraft.bench.rounds", 3);
    static final int SECONDS = Integer.getInteger("keel.jraft.bench.seconds", 5);
    static final int CLIENTS = Integer.getInteger("keel.jraft.bench.clients", 16);
    static final int ENTRY_BYTES = 256;
    static final List<String> STORAGES = List.of("keel", "rocksdb");

    @TempDir
    Path dir;

    @Test
    void keelBesideRocksDb() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("keel.jraft.bench"),
            "a benchmark, not a test: run with -Dkeel.jraft.bench=true");
        Map<String, List<Double>> results = new LinkedHashMap<>();
        int run = 0;
        for (int round = 0; round < ROUNDS; round++) {
            for (int batch : Boolean.getBoolean("keel.jraft.bench.clusterOnly") ? new int[0] : new int[] {1, 16, 256}) {
                for (String s : STORAGES) {
                    double perSec = appendEntriesPerSecond(s, batch, dir.resolve("append-" + run++));
                    results.computeIfAbsent("appendEntries batch " + batch + " (entries/s) " + s, k -> new ArrayList<>()).add(perSec);
                }
            }
            for (String s : STORAGES) {
                double perSec = replicatedWritesPerSecond(s, dir.resolve("cluster-" + run++));
                results.computeIfAbsent("3-node cluster, " + CLIENTS + " clients (writes/s) " + s, k -> new ArrayList<>()).add(perSec);
            }
        }
        String table = table(results);
        System.out.println(table);
        Files.writeString(Path.of("target", "jraft-bench.md"), table);
    }

    private static String table(Map<String, List<Double>> results) {
        StringBuilder sb = new StringBuilder("| measure | keel (rounds) | rocksdb (rounds) | keel / rocksdb (median) |\n|---|---|---|---|\n");
        for (Map.Entry<String, List<Double>> e : results.entrySet()) {
            if (!e.getKey().endsWith(" keel") || !results.containsKey(e.getKey().replace(" keel", " rocksdb"))) {
                continue;
            }
            String name = e.getKey().substring(0, e.getKey().length() - " keel".length());
            List<Double> keel = e.getValue();
            List<Double> rocks = results.get(name + " rocksdb");
            sb.append("| ").append(name).append(" | ").append(fmt(keel)).append(" | ").append(fmt(rocks)).append(" | ")
                .append(String.format("%.2f", median(keel) / median(rocks))).append(" |\n");
        }
        return sb.toString();
    }

    private static String fmt(List<Double> values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : " / ").append(String.format("%,.0f", v));
        }
        return sb.toString();
    }

    private static double median(List<Double> values) {
        List<Double> s = new ArrayList<>(values);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    private static LogStorage open(String storage, Path path) {
        LogStorage s = storage.equals("keel") ? new KeelLogStorage(path.toString(), new RaftOptions())
            : new RocksDBLogStorage(path.toString(), new RaftOptions());
        LogStorageOptions opts = new LogStorageOptions();
        opts.setConfigurationManager(new ConfigurationManager());
        opts.setLogEntryCodecFactory(LogEntryV2CodecFactory.getInstance());
        opts.setGroupId("bench");
        if (!s.init(opts)) {
            throw new IllegalStateException("init of " + storage + " failed");
        }
        return s;
    }

    private static double appendEntriesPerSecond(String storage, int batch, Path path) {
        LogStorage s = open(storage, path);
        try {
            byte[] data = new byte[ENTRY_BYTES];
            long index = 1;
            long entries = 0;
            long start = System.nanoTime();
            long end = start + SECONDS * 1_000_000_000L;
            while (System.nanoTime() < end) {
                List<LogEntry> list = new ArrayList<>(batch);
                for (int i = 0; i < batch; i++) {
                    LogEntry e = new LogEntry(EntryType.ENTRY_TYPE_DATA);
                    e.setId(new LogId(index++, 1));
                    e.setData(ByteBuffer.wrap(data));
                    list.add(e);
                }
                assertEquals(batch, s.appendEntries(list));
                entries += batch;
            }
            return entries / ((System.nanoTime() - start) / 1e9);
        } finally {
            s.shutdown();
        }
    }

    private static double replicatedWritesPerSecond(String storage, Path path) throws Exception {
        try (LocalCluster cluster = new LocalCluster(path, "bench", 3, storage, 0)) {
            cluster.start();
            assertNotNull(cluster.awaitLeader(120_000), "no leader");
            WritingClients clients = new WritingClients(cluster, CLIENTS);
            try {
                clients.start();
                clients.awaitAcks(500, 60_000); // warm-up: JIT, connections, segment preparation
                long a0 = clients.acks();
                long cpu0 = cluster.nodes.stream().mapToLong(NodeProcess::cpuMillis).sum();
                long t0 = System.nanoTime();
                Thread.sleep(SECONDS * 1000L);
                long writes = clients.acks() - a0;
                double perSec = writes / ((System.nanoTime() - t0) / 1e9);
                long cpu = cluster.nodes.stream().mapToLong(NodeProcess::cpuMillis).sum() - cpu0;
                System.out.printf("cluster %s: %.0f writes/s, nodes' CPU %d ms for %d writes (%.1f us/write)%n", storage, perSec, cpu,
                    writes, cpu * 1000.0 / Math.max(1, writes));
                return perSec;
            } finally {
                clients.close();
            }
        }
    }
}
