package dev.keel.jraft;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients that write continuously to whichever node leads, one outstanding put each, and keep
 * every key a leader acknowledged. A put that fails, times out or meets a dead or deposed
 * leader is not acknowledged (it may still be committed); the client finds the leader again.
 */
final class WritingClients implements AutoCloseable {
    private static final long PUT_TIMEOUT_MS = 10_000;

    private final LocalCluster cluster;
    private final List<Thread> threads = new ArrayList<>();
    private final List<String> acked = new ArrayList<>();
    private final AtomicLong ackCount = new AtomicLong();
    private volatile boolean stop;
    private volatile NodeProcess leader;

    WritingClients(LocalCluster cluster, int clients) {
        this.cluster = cluster;
        for (int c = 0; c < clients; c++) {
            int id = c;
            Thread t = new Thread(() -> run(id), "client-" + c);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    void start() {
        threads.forEach(Thread::start);
    }

    private void run(int id) {
        long n = 0;
        while (!stop) {
            try {
                NodeProcess l = leader;
                if (l == null) {
                    leader = cluster.awaitLeader(2_000);
                    continue;
                }
                String key = "c" + id + "-" + n++;
                String answer = l.put(key).get(PUT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                if (answer.equals("ack")) {
                    synchronized (acked) {
                        acked.add(key);
                    }
                    ackCount.incrementAndGet();
                } else if (leader == l) {
                    leader = null; // deposed, dead or failing: look for the leader again
                }
            } catch (TimeoutException e) {
                leader = null;
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                leader = null;
            }
        }
    }

    long acks() {
        return ackCount.get();
    }

    /** Waits until {@code count} writes were acknowledged; false if that did not happen within {@code timeoutMs}. */
    boolean awaitAcks(long count, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (ackCount.get() < count) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    List<String> acked() {
        synchronized (acked) {
            return new ArrayList<>(acked);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.join(PUT_TIMEOUT_MS + 5_000);
        }
    }
}
