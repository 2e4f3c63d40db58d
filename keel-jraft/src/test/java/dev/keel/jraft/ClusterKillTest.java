package dev.keel.jraft;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three JRaft nodes on KeelLogStorage, each in its own JVM on 127.0.0.1: clients write
 * continuously, the leader's process gets SIGKILL, a new leader is elected, the killed node
 * restarts on its own directory and catches up, and every write acknowledged to a client is
 * present on every node. CI runs one round of 150 acknowledged writes per phase; a long run:
 * {@code -Dkeel.jraft.cluster.rounds=20 -Dkeel.jraft.cluster.acks=2000}. Every wait is bounded
 * (a phase that does not finish fails the test) and every child JVM is stopped at the end.
 */
class ClusterKillTest {
    static final int ROUNDS = Integer.getInteger("keel.jraft.cluster.rounds", 1);
    static final int ACKS_PER_PHASE = Integer.getInteger("keel.jraft.cluster.acks", 150);
    static final long PHASE_TIMEOUT_MS = 120_000;

    @TempDir
    Path dir;

    @Test
    void noAcknowledgedWriteIsLostWhenTheLeaderIsKilled() throws Exception {
        try (LocalCluster cluster = new LocalCluster(dir, "kill", 3, "keel", 0)) {
            cluster.start();
            assertNotNull(cluster.awaitLeader(PHASE_TIMEOUT_MS), "no leader elected");
            WritingClients clients = new WritingClients(cluster, 4);
            List<NodeProcess> killed = new ArrayList<>();
            try {
                clients.start();
                for (int round = 0; round < ROUNDS; round++) {
                    assertTrue(clients.awaitAcks(clients.acks() + ACKS_PER_PHASE, PHASE_TIMEOUT_MS),
                        "round " + round + ": writes before the kill");
                    NodeProcess old = cluster.awaitLeader(PHASE_TIMEOUT_MS);
                    assertNotNull(old, "round " + round + ": no leader to kill");
                    long pid = old.pid();
                    old.kill();
                    killed.add(old);
                    NodeProcess next = cluster.awaitLeader(PHASE_TIMEOUT_MS);
                    assertNotNull(next, "round " + round + ": no new leader after the kill");
                    System.out.println("round " + round + ": SIGKILL leader " + old.address + " (pid " + pid + ") after "
                        + clients.acks() + " acknowledged writes; new leader " + next.address);
                    assertNotSame(old, next, "the killed node cannot lead");
                    assertTrue(clients.awaitAcks(clients.acks() + ACKS_PER_PHASE, PHASE_TIMEOUT_MS),
                        "round " + round + ": writes on the new leader");
                    old.start();
                    assertTrue(clients.awaitAcks(clients.acks() + ACKS_PER_PHASE, PHASE_TIMEOUT_MS),
                        "round " + round + ": writes after the restart");
                }
            } finally {
                clients.close();
            }
            assertEquals(ROUNDS, killed.size());
            System.out.println(clients.acked().size() + " acknowledged writes; checking every node has each");
            assertEveryNodeHasEveryAck(cluster, clients.acked(), dir.resolve("acked.txt"));
        }
    }

    /** Polls each node (bounded) until it has applied every acknowledged key; fails naming how many it lacks. */
    static void assertEveryNodeHasEveryAck(LocalCluster cluster, List<String> acked, Path file) throws Exception {
        assertTrue(acked.size() > 0, "no write was acknowledged");
        Files.write(file, acked);
        for (NodeProcess n : cluster.nodes) {
            String last = null;
            long deadline = System.nanoTime() + PHASE_TIMEOUT_MS * 1_000_000;
            while (System.nanoTime() < deadline) {
                last = n.query("check " + file);
                if ("missing 0".equals(last)) {
                    break;
                }
                Thread.sleep(200);
            }
            assertEquals("missing 0", last, "node " + n.address + " lacks acknowledged writes (of " + acked.size() + ")");
        }
    }

    /** The check finds loss: a node that forgets every 7th applied key is reported as missing some. */
    @Test
    void theCheckFindsAPlantedLoss() throws Exception {
        try (LocalCluster cluster = new LocalCluster(dir, "planted", 1, "keel", 7)) {
            cluster.start();
            NodeProcess leader = cluster.awaitLeader(PHASE_TIMEOUT_MS);
            assertNotNull(leader, "a one-node group elects itself");
            List<String> acked = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String key = "k" + i;
                assertEquals("ack", leader.put(key).get(60, java.util.concurrent.TimeUnit.SECONDS));
                acked.add(key);
            }
            Files.write(dir.resolve("acked.txt"), acked);
            assertEquals("missing 7", leader.query("check " + dir.resolve("acked.txt")));
        }
    }
}
