package dev.keel.jraft;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Three (or N) {@link NodeProcess}es forming one Raft group on 127.0.0.1, on free ports. */
final class LocalCluster implements AutoCloseable {
    final List<NodeProcess> nodes = new ArrayList<>();

    LocalCluster(Path dir, String groupId, int size, String storage, int dropEvery) throws IOException {
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            addresses.add("127.0.0.1:" + freePort());
        }
        String conf = String.join(",", addresses);
        for (int i = 0; i < size; i++) {
            nodes.add(new NodeProcess(dir.resolve("node" + i), groupId, addresses.get(i), conf, storage, dropEvery));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    void start() throws Exception {
        for (NodeProcess n : nodes) {
            n.start();
        }
    }

    /** The node that says it leads, waiting up to {@code timeoutMs} for an election; null if none. */
    NodeProcess awaitLeader(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (System.nanoTime() < deadline) {
            for (NodeProcess n : nodes) {
                if (n.isLeader()) {
                    return n;
                }
            }
            Thread.sleep(100);
        }
        return null;
    }

    @Override
    public void close() throws InterruptedException {
        for (NodeProcess n : nodes) {
            n.close();
        }
    }
}
