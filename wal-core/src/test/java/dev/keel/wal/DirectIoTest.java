package dev.keel.wal;

import dev.keel.aio.Aio;
import dev.keel.aio.AioBackend;
import dev.keel.aio.AioCounter;
import dev.keel.recovery.format.SegmentHeaderDescriptor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DIRECT segments on every backend: every write is block-aligned (address, offset, length),
 * no block is ever written twice (so no acknowledged record can be torn by a rewrite), batches
 * run several in flight, and every acknowledged record reads back in LSN order.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DirectIoTest {
    private static final int BLOCK_BYTES = 4096;

    @TempDir
    Path dir;

    static Stream<Arguments> backendsAndModes() {
        List<Arguments> all = new ArrayList<>();
        for (String backend : List.of("io_uring", "linux-aio", "posix", "threads")) {
            for (Durability d : List.of(Durability.OPEN_DSYNC, Durability.FDATASYNC)) {
                all.add(Arguments.of(backend, d));
            }
        }
        return all.stream();
    }

    @Test
    void onIoUringEveryBatchWriteThroughTheRingGoesFromRegisteredStagingMemory() throws Exception {
        AioBackend real = Aio.backend("io_uring");
        Assumptions.assumeTrue(real.unavailableReason() == null, "io_uring: " + real.unavailableReason());
        LeaderProbeBackend probe = new LeaderProbeBackend("direct-fixed", real);
        WalOptions options = WalOptions.defaults().segmentBytes(256 << 10).maxRecordBytes(8192).durability(Durability.OPEN_DSYNC)
            .maxSyncsInFlight(4).directIo(true).aioBackend(probe);
        Map<Long, byte[]> written = new ConcurrentHashMap<>();
        try (Wal wal = Wal.open(dir, options)) {
            appendPipelined(wal, 5, 300, written);
        }
        // Counted after close: closing writes the clean-shutdown frame as one more staged batch.
        long fixed = probe.contexts.stream().mapToLong(c -> c.count(AioCounter.FIXED_TRANSFERS)).sum();
        long batchWrites = probe.writes.stream()
            .filter(w -> !w.inline() && w.file().endsWith(".seg") && w.offsetBytes() >= SegmentHeaderDescriptor.HEADER_BYTES)
            .count();
        assertTrue(batchWrites > 0, "the pipelined appends went through the ring: " + probe.writes.size() + " writes");
        assertEquals(batchWrites, fixed, "every staged batch write went as WRITE_FIXED (segment headers are not staged): " + probe.writes);
        assertEquals(300, written.size());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndModes")
    void directWritesAreAlignedNeverRewriteABlockAndReadBackInLsnOrder(String backendName, Durability durability)
        throws Exception {
        AioBackend real = Aio.backend(backendName);
        Assumptions.assumeTrue(real.unavailableReason() == null, backendName + ": " + real.unavailableReason());
        LeaderProbeBackend probe = new LeaderProbeBackend("direct-" + backendName, real);
        // A 64 KiB log buffer wraps every few batches: the staged copy must not care where the ring wraps.
        WalOptions options = WalOptions.defaults().segmentBytes(256 << 10).maxRecordBytes(8192).logBufferBytes(64 << 10)
            .durability(durability).maxSyncsInFlight(4);
        Map<Long, byte[]> written = new ConcurrentHashMap<>();
        try (Wal wal = Wal.open(dir, options.directIo(true).aioBackend(probe))) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = 17 + t;
                threads.add(new Thread(() -> appendBlocking(wal, seed, 60, written)));
            }
            threads.forEach(Thread::start);
            appendPipelined(wal, 99, 300, written);
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(540, written.size(), "every append acknowledged once");
            for (long lsn = 1; lsn <= written.size(); lsn += 7) {
                assertArrayEquals(written.get(lsn), wal.read(lsn), "point read of LSN " + lsn + " (indexed by the committer)");
            }
        }
        assertAlignedAndNoBlockWrittenTwice(probe.writes);
        try (Wal wal = Wal.open(dir, options); WalReader r = wal.reader(1)) {
            assertTrue(wal.recoveryReport().damage().isEmpty(), wal.recoveryReport().summary());
            for (long lsn = 1; lsn <= written.size(); lsn++) {
                assertTrue(r.next(), "record " + lsn);
                assertEquals(lsn, r.lsn());
                assertArrayEquals(written.get(lsn), WalBasicsTest.bytes(r.payload()), "LSN " + lsn);
            }
            assertEquals(written.size(), wal.lastLsn());
        }
    }

    private static void appendBlocking(Wal wal, long seed, int count, Map<Long, byte[]> written) {
        SplittableRandom random = new SplittableRandom(seed);
        try {
            for (int i = 0; i < count; i++) {
                byte[] p = WalBasicsTest.payload(random.nextLong(), 1 + random.nextInt(6000));
                long lsn = wal.append(p);
                written.put(lsn, p);
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void appendPipelined(Wal wal, long seed, int count, Map<Long, byte[]> written) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] p = WalBasicsTest.payload(random.nextLong(), 1 + random.nextInt(300));
            payloads.add(p);
            futures.add(wal.appendAsync(ByteBuffer.wrap(p)));
        }
        long previous = 0;
        for (int i = 0; i < count; i++) {
            long lsn = futures.get(i).get(60, TimeUnit.SECONDS);
            assertTrue(lsn > previous, "pipelined appends keep their order: " + lsn + " after " + previous);
            previous = lsn;
            written.put(lsn, payloads.get(i));
        }
    }

    /** Segment writes only: block-aligned in memory and on disk, whole blocks, each block written once. */
    static void assertAlignedAndNoBlockWrittenTwice(List<LeaderProbeBackend.Write> writes) {
        Map<String, Map<Long, Integer>> blocksWritten = new HashMap<>();
        int segmentWrites = 0;
        for (LeaderProbeBackend.Write w : writes) {
            if (!w.file().endsWith(".seg")) {
                continue;
            }
            segmentWrites++;
            assertEquals(0, w.offsetBytes() % BLOCK_BYTES, "offset of " + w);
            assertEquals(0, w.lengthBytes() % BLOCK_BYTES, "length of " + w);
            assertEquals(0, w.address() % BLOCK_BYTES, "buffer address of " + w);
            Map<Long, Integer> blocks = blocksWritten.computeIfAbsent(w.file(), f -> new HashMap<>());
            for (long b = w.offsetBytes(); b < w.offsetBytes() + w.lengthBytes(); b += BLOCK_BYTES) {
                Integer before = blocks.put(b, segmentWrites);
                assertEquals(null, before, "block at " + b + " of " + w.file() + " written again by " + w);
            }
        }
        assertTrue(segmentWrites > 10, "the log wrote its segments through the probe: " + segmentWrites);
    }
}
