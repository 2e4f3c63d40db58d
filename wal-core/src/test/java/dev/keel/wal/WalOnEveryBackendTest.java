package dev.keel.wal;

import dev.keel.aio.Aio;
import dev.keel.aio.conformance.BackendRequirement;
import dev.keel.recovery.SegmentFiles;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The log end to end on each of the four real AIO backends, in every durability mode. A backend
 * this machine cannot run is skipped with its reason, or fails the build where
 * {@code KEEL_REQUIRE_BACKENDS} names it (CI). Power cuts are the crash-state explorer's job
 * ({@code dev.keel.wal.crash}); this test closes cleanly and then removes the clean-shutdown
 * marker, so that the reopen scans every segment instead of trusting the marker.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WalOnEveryBackendTest {
    /** Exactly the real backends, by name: never whatever else a test might construct. */
    static final List<String> REAL_BACKENDS = List.of("io_uring", "linux-aio", "posix", "threads");

    @TempDir
    Path dir;

    static List<String> backends() {
        List<String> combos = new ArrayList<>();
        for (String b : REAL_BACKENDS) {
            for (Durability d : Durability.values()) {
                combos.add(b + "/" + d);
            }
        }
        return combos;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void recordsFromFourWritersReadBackAfterAFullRecoveryScan(String combo) throws Exception {
        String backend = combo.substring(0, combo.indexOf('/'));
        BackendRequirement.check(backend, Aio.backend(backend).unavailableReason());
        Durability durability = Durability.valueOf(combo.substring(combo.indexOf('/') + 1));
        WalOptions opts = WalOptions.defaults().aioBackend(backend).durability(durability)
            .segmentBytes(128 << 10).maxRecordBytes(8192);
        int threads = 4;
        int perThread = 150;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        byte[][] byLsn = new byte[threads * perThread + 1][];
        try (Wal wal = Wal.open(dir, opts)) {
            assertEquals(backend, wal.stats().backend());
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                ts.add(new Thread(() -> {
                    try {
                        for (int i = 0; i < perThread; i++) {
                            byte[] p = WalBasicsTest.payload(id * 100_000 + i, 50 + (i * 37) % 3000);
                            long lsn = wal.append(p);
                            byLsn[(int) lsn] = p;
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            ts.forEach(Thread::start);
            for (Thread t : ts) {
                t.join();
            }
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        Files.delete(dir.resolve(SegmentFiles.CLEAN_FILE));
        try (Wal wal = Wal.open(dir, opts); WalReader r = wal.reader(1)) {
            assertEquals(threads * perThread, wal.lastLsn(), wal.recoveryReport().summary());
            assertTrue(wal.recoveryReport().damage().isEmpty(), wal.recoveryReport().summary());
            for (int lsn = 1; lsn <= threads * perThread; lsn++) {
                assertTrue(r.next());
                assertArrayEquals(byLsn[lsn], WalBasicsTest.bytes(r.payload()), "LSN " + lsn);
            }
        }
    }
}
