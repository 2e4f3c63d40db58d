package dev.keel.wal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 64 threads append while readers tail: LSNs are dense, every acknowledged record is read back
 * identical, in LSN order, by every reader.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConcurrencyTest {
    private static final int THREADS = 64;
    private static final int PER_THREAD = 300;
    private static final int READERS = 3;

    @TempDir
    Path dir;

    static ByteBuffer record(int thread, int seq) {
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, thread).putInt(4, seq);
        for (int i = 8; i < 128; i += 8) {
            b.putLong(i, (long) thread * 1_000_003L + seq * 7919L + i);
        }
        return b;
    }

    @Test
    void sixtyFourAppendersAndTailingReaders() throws Exception {
        WalOptions opts = WalOptions.defaults().segmentBytes(256 << 10).maxRecordBytes(4096);
        try (Wal wal = Wal.open(dir, opts)) {
            ConcurrentHashMap<Long, Long> ackedBy = new ConcurrentHashMap<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> appenders = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                appenders.add(new Thread(() -> {
                    try {
                        for (int s = 0; s < PER_THREAD; s++) {
                            long lsn = wal.append(record(thread, s));
                            assertTrue(lsn <= wal.durableLsn(), "acknowledged before durable");
                            ackedBy.put(lsn, ((long) thread << 32) | s);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            int total = THREADS * PER_THREAD;
            List<Thread> readers = new ArrayList<>();
            List<long[]> readerLsns = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                long[] seen = new long[total];
                readerLsns.add(seen);
                readers.add(new Thread(() -> tail(wal, seen, failure)));
            }
            readers.forEach(Thread::start);
            appenders.forEach(Thread::start);
            for (Thread t : appenders) {
                t.join();
            }
            for (Thread t : readers) {
                t.join(TimeUnit.SECONDS.toMillis(120));
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertEquals(total, ackedBy.size(), "acknowledged LSNs are distinct");
            for (long lsn = 1; lsn <= total; lsn++) {
                assertTrue(ackedBy.containsKey(lsn), "LSN " + lsn + " missing: LSNs must be dense");
            }
            for (long[] seen : readerLsns) {
                for (int i = 0; i < total; i++) {
                    long who = ackedBy.get((long) i + 1);
                    assertEquals(who, seen[i], "reader saw another record at LSN " + (i + 1));
                }
            }
            WalStats stats = wal.stats();
            assertEquals(total, stats.appends());
            assertTrue(stats.recordsPerSync() > 1, "group commit must batch: " + stats);
        }
    }

    private static void tail(Wal wal, long[] seen, AtomicReference<Throwable> failure) {
        try (WalReader r = wal.reader(1)) {
            int n = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (n < seen.length && System.nanoTime() < deadline && failure.get() == null) {
                if (!r.next()) {
                    Thread.sleep(1);
                    continue;
                }
                assertEquals(n + 1, r.lsn(), "reader LSN order");
                ByteBuffer p = r.payload().order(ByteOrder.LITTLE_ENDIAN);
                int thread = p.getInt(0);
                int seq = p.getInt(4);
                assertEquals(record(thread, seq), p.duplicate().order(ByteOrder.LITTLE_ENDIAN), "payload of LSN " + r.lsn());
                seen[n++] = ((long) thread << 32) | seq;
            }
            assertEquals(seen.length, n, "reader did not see every record");
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }
}
