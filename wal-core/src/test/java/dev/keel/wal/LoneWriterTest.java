package dev.keel.wal;

import dev.keel.aio.AioOpcode;
import dev.keel.aio.Errno;
import dev.keel.aio.FaultInjectingBackend;
import dev.keel.aio.threads.ThreadsBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A lone writer leads its own write group (submits and reaps on its own thread, no hand-off to
 * the committer); appenders arriving while it is in the kernel wait for the next group; a
 * failure on the leader's own I/O fails the log stop, exactly as on the committer's.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoneWriterTest {

    @TempDir
    Path dir;

    private static WalOptions options() {
        return WalOptions.defaults().segmentBytes(128 << 10).maxRecordBytes(4096);
    }

    /** Waits (no deadline but the test's) until the committer is parked and nobody leads. */
    private static void awaitIdle(Wal wal) throws InterruptedException {
        while (!wal.writePathIdle()) {
            Thread.sleep(1);
        }
    }

    @Test
    void aLoneWriterSubmitsEveryBatchOnItsOwnThread() throws Exception {
        LeaderProbeBackend probe = new LeaderProbeBackend("lone-probe", new ThreadsBackend());
        try (Wal wal = Wal.open(dir, options().aioBackend(probe))) {
            assertEquals(1, wal.append(WalBasicsTest.payload(1, 100))); // starts segment 1: a roll is the committer's
            probe.syncSubmitters.clear();
            for (int i = 2; i <= 50; i++) {
                awaitIdle(wal);
                assertEquals(i, wal.append(WalBasicsTest.payload(i, 100)));
                assertEquals(i, wal.durableLsn(), "durable when append returns");
            }
            String me = Thread.currentThread().getName();
            assertEquals(49, probe.syncSubmitters.size(), "one batch per lone append: " + probe.syncSubmitters);
            assertTrue(probe.syncSubmitters.stream().allMatch(me::equals), "no hand-off to the committer: " + probe.syncSubmitters);
            assertEquals(49, probe.inlineBatches.get(), "each lone batch ran in the appending thread (submitAndWaitInline)");
        }
    }

    @Test
    void appendersArrivingWhileTheLeaderIsInTheKernelJoinTheNextGroupInLsnOrder() throws Exception {
        LeaderProbeBackend probe = new LeaderProbeBackend("arrivals-probe", new ThreadsBackend());
        int arrivals = 8;
        int perThread = 20;
        Map lsnToPayload = new Map();
        try (Wal wal = Wal.open(dir, options().aioBackend(probe))) {
            lsnToPayload.append(wal, 1); // starts segment 1: a roll is the committer's
            awaitIdle(wal);
            probe.syncSubmitters.clear();
            probe.arm();
            Thread leader = new Thread(() -> lsnToPayload.append(wal, 2), "lone-leader");
            leader.start();
            try {
                assertSame(leader, probe.awaitHeld(), "the lone appender itself is in the kernel, not the committer");
            } finally {
                probe.openIfHeldBy(leader); // a failed check must not leave the log stuck in the gate
            }
            List<Thread> others = new ArrayList<>();
            for (int t = 0; t < arrivals; t++) {
                int seed = 1000 * (t + 1);
                Thread th = new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        lsnToPayload.append(wal, seed + i);
                    }
                }, "arrival-" + t);
                others.add(th);
                th.start();
            }
            while (wal.lastLsn() < 2 + arrivals) {
                Thread.sleep(1); // every arrival has its first record in the ring, behind the leader's
            }
            assertEquals(1, wal.durableLsn(), "nothing more is acknowledged while the leader's batch is in the kernel");
            assertEquals(1, probe.syncSubmitters.size(), "arrivals neither submit past the leader nor take over: "
                + probe.syncSubmitters);
            probe.open();
            leader.join();
            for (Thread th : others) {
                th.join();
            }
            assertEquals(2 + arrivals * perThread, wal.durableLsn());
            assertEquals(2 + arrivals * perThread, lsnToPayload.size(), "every append acknowledged once: " + lsnToPayload.errors);
            assertTrue(lsnToPayload.errors.isEmpty(), lsnToPayload.errors.toString());
        }
        try (Wal wal = Wal.open(dir, options()); WalReader r = wal.reader(1)) {
            for (long lsn = 1; lsn <= 2 + arrivals * perThread; lsn++) {
                assertTrue(r.next());
                assertEquals(lsn, r.lsn());
                assertArrayEquals(lsnToPayload.get(lsn), WalBasicsTest.bytes(r.payload()), "LSN " + lsn);
            }
        }
    }

    @Test
    void eioOnTheLeadersSyncFailsTheLogAndNothingAfterIsAcknowledged() throws Exception {
        FaultInjectingBackend faults = new FaultInjectingBackend("lone-faults", new ThreadsBackend())
            .failAfter(AioOpcode.SYNC, 12, Errno.EIO);
        LeaderProbeBackend probe = new LeaderProbeBackend("lone-faults-probe", faults);
        List<byte[]> acknowledged = new ArrayList<>();
        Wal wal = Wal.open(dir, options().aioBackend(probe));
        try {
            byte[] first = WalBasicsTest.payload(1, 64);
            assertEquals(1, wal.append(first)); // starts segment 1: a roll is the committer's
            acknowledged.add(first);
            probe.syncSubmitters.clear();
            WalFailedException e = assertThrows(WalFailedException.class, () -> {
                for (int i = 2; i <= 1000; i++) {
                    awaitIdle(wal);
                    byte[] p = WalBasicsTest.payload(i, 64);
                    assertEquals(i, wal.append(p));
                    acknowledged.add(p);
                }
            });
            assertTrue(e.getMessage().contains("EIO") && e.getMessage().contains("fdatasync"), e.getMessage());
            assertEquals(1, faults.injected());
            assertTrue(acknowledged.size() >= 10, "the appends before the fault were acknowledged: " + acknowledged.size());
            assertEquals(acknowledged.size(), wal.durableLsn(), "acknowledged exactly what was durable before the fault");
            String me = Thread.currentThread().getName();
            assertTrue(probe.syncSubmitters.stream().allMatch(me::equals), "the failed sync was the leader's: " + probe.syncSubmitters);
            assertEquals(probe.syncSubmitters.size(), probe.inlineBatches.get(), "and it ran inline, in the appending thread");
            assertThrows(WalFailedException.class, () -> wal.append(new byte[1]), "nothing after the failure is accepted");
            assertEquals(acknowledged.size(), wal.durableLsn(), "the durable LSN never moves after the failure");
        } finally {
            assertThrows(WalFailedException.class, wal::close);
        }
        try (Wal reopened = Wal.open(dir, options()); WalReader r = reopened.reader(1)) {
            for (byte[] expected : acknowledged) {
                assertTrue(r.next());
                assertArrayEquals(expected, WalBasicsTest.bytes(r.payload()));
            }
        }
    }

    /** LSN -> payload of every acknowledged append, with the checks each append must pass. */
    private static final class Map {
        private final ConcurrentHashMap<Long, byte[]> payloads = new ConcurrentHashMap<>();
        final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());

        void append(Wal wal, int seed) {
            byte[] p = WalBasicsTest.payload(seed, 100);
            try {
                long lsn = wal.append(p);
                if (wal.durableLsn() < lsn) {
                    errors.add("LSN " + lsn + " acknowledged before durable " + wal.durableLsn());
                }
                if (payloads.put(lsn, p) != null) {
                    errors.add("LSN " + lsn + " given twice");
                }
            } catch (Exception e) {
                errors.add(e.toString());
            }
        }

        int size() {
            return payloads.size();
        }

        byte[] get(long lsn) {
            return payloads.get(lsn);
        }
    }
}
