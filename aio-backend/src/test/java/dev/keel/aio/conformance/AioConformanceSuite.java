package dev.keel.aio.conformance;

import dev.keel.aio.AddressOf;
import dev.keel.aio.Aio;
import dev.keel.aio.AioBackend;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioCounter;
import dev.keel.aio.AioException;
import dev.keel.aio.AioOptions;
import dev.keel.aio.AioRequest;
import dev.keel.aio.CancelResult;
import dev.keel.aio.Errno;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import dev.keel.aio.RequestState;
import dev.keel.aio.SyncMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The AIO contract of DESIGN.md section 2, proven against one backend with real files. Every
 * backend runs this suite unchanged by extending it and naming itself; a backend this machine
 * cannot run is skipped with its reason, or fails when {@code KEEL_REQUIRE_BACKENDS} lists it.
 *
 * <p>Randomized tests print their seed; set {@code -Dkeel.test.seed=N} to replay one.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class AioConformanceSuite {
    protected static final long WAIT_NS = AioFixture.WAIT_NS;
    private static final int RECORD_BYTES = 32;
    private static final int PAGE = AioFixture.PAGE_BYTES;

    @TempDir
    protected Path dir;
    protected AioContext ctx;
    private AioFixture io;

    /**
     * The backend under test, constructed directly (not looked up in {@link Aio}), so the suite
     * runs before a backend is registered and a test can hand it a native-call boundary.
     */
    protected abstract AioBackend backend();

    protected final String backendName() {
        return backend().name();
    }

    protected AioContext openContext(AioOptions options) throws IOException {
        return backend().open(options);
    }

    /**
     * How many syncs of this mode reached the kernel so far. The default reads the context's
     * counters, kept where the backend hands the sync to the kernel; a backend with a
     * substitutable native-call boundary counts there instead.
     */
    protected long nativeSyncs(AioContext context, SyncMode mode) {
        return context.count(mode == SyncMode.DATA ? AioCounter.DATA_SYNCS : AioCounter.FILE_SYNCS);
    }

    /**
     * Null when this backend's cancel certainly takes back an append queued behind another on
     * its file that has not started (with {@link #holdWrites} in force): the cancel test then
     * requires at least one CANCELED. Otherwise the reason it cannot be certain; the test then
     * checks only that every answer matches what was delivered and what landed.
     */
    protected abstract String whyNoCancelIsCertain();

    /**
     * Keeps this backend's file writes from finishing until the returned handle is closed, so
     * requests queued behind them stay queued, without timing. The default holds nothing: the
     * kernel backends keep a file's later appends in user space until a reap, and the cancel
     * test does not reap before it cancels.
     */
    protected AutoCloseable holdWrites() {
        return () -> { };
    }

    @BeforeEach
    void openBackend() throws IOException {
        BackendRequirement.check(backendName(), backend().unavailableReason());
        io = new AioFixture(dir);
        ctx = openContext(AioOptions.defaults());
    }

    @AfterEach
    void closeBackend() throws Exception {
        try {
            if (ctx != null) {
                drainAll(ctx);
                ctx.close();
            }
        } finally {
            if (io != null) {
                io.close();
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    protected NativeFile open(String name, OpenFlag... flags) throws AioException {
        return io.file(name, flags);
    }

    protected static ByteBuffer aligned(int bytes) {
        return AioFixture.aligned(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    protected static long seed(String test) {
        String fixed = System.getProperty("keel.test.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        System.out.println(test + " seed=" + seed + " (replay with -Dkeel.test.seed=" + seed + ")");
        return seed;
    }

    /** Submits the whole range, reaping into {@code sink} whenever the context is full. */
    protected static void submitAll(AioContext c, AioRequest[] batch, int from, int count, List<AioRequest> sink)
        throws AioException {
        AioRequest[] out = new AioRequest[c.limits().maxInFlight()];
        int done = 0;
        while (done < count) {
            int accepted = c.submit(batch, from + done, count - done);
            done += accepted;
            if (done < count) {
                int n = c.await(out, 1, out.length, WAIT_NS);
                assertTrue(n > 0, "no completion within 30 s while the context was full");
                for (int i = 0; i < n; i++) {
                    sink.add(out[i]);
                }
            }
        }
    }

    /** Awaits exactly {@code count} completions into {@code sink}. */
    protected static void awaitCount(AioContext c, int count, List<AioRequest> sink) throws AioException {
        AioFixture.awaitCount(c, count, sink);
    }

    protected static void drainAll(AioContext c) throws AioException {
        AioFixture.drainAll(c);
    }

    private static void writeRecord(ByteBuffer buf, int index, int thread, int seq) {
        int at = index * RECORD_BYTES;
        buf.putInt(at, thread);
        buf.putInt(at + 4, seq);
        buf.putLong(at + 8, 0x4B45454C00000000L | seq);
        buf.putLong(at + 16, (long) thread * 1_000_003L + seq);
        buf.putLong(at + 24, ~((long) thread * 1_000_003L + seq));
    }

    private static ByteBuffer readWholeFile(Path p) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
    }

    // ------------------------------------------------------------------ 4. append ordering

    @Nested
    class AppendOrdering {
        @Test
        void thousandsOfAppendsInRandomBatchesLandInSubmissionOrder() throws IOException {
            Random rnd = new Random(seed("appendOrder"));
            int records = 5000;
            ByteBuffer buf = aligned(records * RECORD_BYTES);
            AioRequest[] reqs = new AioRequest[records];
            NativeFile f = open("append.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND);
            for (int i = 0; i < records; i++) {
                writeRecord(buf, i, 0, i);
                reqs[i] = new AioRequest().prepareAppend(f, AddressOf.buffer(buf) + (long) i * RECORD_BYTES, RECORD_BYTES);
            }
            List<AioRequest> completed = new ArrayList<>();
            for (int next = 0; next < records; ) {
                int batch = Math.min(1 + rnd.nextInt(64), records - next);
                submitAll(ctx, reqs, next, batch, completed);
                next += batch;
            }
            awaitCount(ctx, records - completed.size(), completed);
            assertEquals(records, completed.size());
            for (AioRequest r : completed) {
                assertEquals(RECORD_BYTES, r.result(), () -> "append result " + r);
            }
            byte[] expected = new byte[records * RECORD_BYTES];
            buf.get(0, expected);
            assertArrayEquals(expected, Files.readAllBytes(f.path()), "file content differs from submission order");
        }

        @Test
        void appendsFromSeveralThreadsKeepEachSubmitCallInOrderAndContiguous() throws Exception {
            long seed = seed("appendThreads");
            int threads = 4;
            int perThread = 1500;
            NativeFile f = open("append-mt.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND);
            List<List<int[]>> acceptedRanges = new ArrayList<>();
            List<Thread> submitters = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int t = 0; t < threads; t++) {
                List<int[]> ranges = new ArrayList<>();
                acceptedRanges.add(ranges);
                int thread = t;
                submitters.add(new Thread(() -> {
                    try {
                        submitAppends(f, thread, perThread, new Random(seed + thread), ranges);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            List<AioRequest> completed = new ArrayList<>();
            submitters.forEach(Thread::start);
            awaitCount(ctx, threads * perThread, completed);
            for (Thread s : submitters) {
                s.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("submitter failed", failure.get());
            }
            for (AioRequest r : completed) {
                assertEquals(RECORD_BYTES, r.result(), () -> "append result " + r);
            }
            checkThreadedAppendFile(readWholeFile(f.path()), threads, perThread, acceptedRanges);
        }

        private void submitAppends(NativeFile f, int thread, int count, Random rnd, List<int[]> ranges)
            throws AioException {
            ByteBuffer buf = aligned(count * RECORD_BYTES);
            AioRequest[] reqs = new AioRequest[count];
            for (int i = 0; i < count; i++) {
                writeRecord(buf, i, thread, i);
                reqs[i] = new AioRequest().prepareAppend(f, AddressOf.buffer(buf) + (long) i * RECORD_BYTES, RECORD_BYTES);
            }
            int next = 0;
            while (next < count) {
                int batch = Math.min(1 + rnd.nextInt(32), count - next);
                int accepted = ctx.submit(reqs, next, batch);
                if (accepted > 0) {
                    ranges.add(new int[] {next, next + accepted});
                    next += accepted;
                } else {
                    Thread.onSpinWait();
                }
            }
        }

        private void checkThreadedAppendFile(ByteBuffer file, int threads, int perThread, List<List<int[]>> ranges) {
            int records = file.limit() / RECORD_BYTES;
            assertEquals(threads * perThread, records, "record count in file");
            int[] nextSeq = new int[threads];
            int[] position = new int[threads * perThread];
            int[] threadAt = new int[records];
            for (int i = 0; i < records; i++) {
                int thread = file.getInt(i * RECORD_BYTES);
                int seq = file.getInt(i * RECORD_BYTES + 4);
                assertTrue(thread >= 0 && thread < threads, "bad thread id at record " + i);
                assertEquals(nextSeq[thread], seq, "thread " + thread + "'s appends out of order at record " + i);
                assertEquals((long) thread * 1_000_003L + seq, file.getLong(i * RECORD_BYTES + 16), "torn record " + i);
                nextSeq[thread]++;
                position[thread * perThread + seq] = i;
                threadAt[i] = thread;
            }
            for (int t = 0; t < threads; t++) {
                for (int[] range : ranges.get(t)) {
                    int start = position[t * perThread + range[0]];
                    int end = position[t * perThread + range[1] - 1];
                    assertEquals(range[1] - range[0] - 1, end - start,
                        "thread " + t + "'s submit of records " + range[0] + ".." + range[1] + " was split in the file");
                }
            }
        }
    }

    // ------------------------------------------------------------------ 5. the sync barrier

    @Nested
    class SyncBarrier {
        @Test
        void dataSyncInTheSameBatchCompletesAfterEveryEarlierWrite() throws IOException {
            barrierRounds(SyncMode.DATA, true);
        }

        @Test
        void fileSyncInTheSameBatchCompletesAfterEveryEarlierWrite() throws IOException {
            barrierRounds(SyncMode.FILE, true);
        }

        @Test
        void syncSubmittedSeparatelyStillWaitsForEarlierWrites() throws IOException {
            barrierRounds(SyncMode.DATA, false);
        }

        private void barrierRounds(SyncMode mode, boolean sameBatch) throws IOException {
            int rounds = 24;
            int writes = 16;
            NativeFile f = open("barrier.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
            ByteBuffer buf = aligned(rounds * writes * PAGE);
            long dataBefore = nativeSyncs(ctx, SyncMode.DATA);
            long fileBefore = nativeSyncs(ctx, SyncMode.FILE);
            AioRequest[] batch = new AioRequest[writes + 1];
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < writes; i++) {
                    int block = round * writes + i;
                    for (int b = 0; b < PAGE; b += 8) {
                        buf.putLong(block * PAGE + b, ((long) block << 32) | b);
                    }
                    batch[i] = new AioRequest().prepareWrite(f, (long) block * PAGE, AddressOf.buffer(buf) + (long) block * PAGE, PAGE)
                        .tag(block);
                }
                batch[writes] = new AioRequest().prepareSync(f, mode).tag(-1);
                if (sameBatch) {
                    assertEquals(writes + 1, ctx.submit(batch, 0, writes + 1));
                } else {
                    assertEquals(writes, ctx.submit(batch, 0, writes));
                    assertEquals(1, ctx.submit(batch, writes, 1));
                }
                checkSyncDeliveredAfterWrites(f, buf, round, writes);
            }
            long expectedData = mode == SyncMode.DATA ? rounds : 0;
            long expectedFile = mode == SyncMode.FILE ? rounds : 0;
            assertEquals(expectedData, nativeSyncs(ctx, SyncMode.DATA) - dataBefore, "fdatasync calls");
            assertEquals(expectedFile, nativeSyncs(ctx, SyncMode.FILE) - fileBefore, "fsync calls");
        }

        private void checkSyncDeliveredAfterWrites(NativeFile f, ByteBuffer buf, int round, int writes) throws IOException {
            Set<Long> deliveredWrites = new HashSet<>();
            AioRequest[] out = new AioRequest[writes + 1];
            boolean syncSeen = false;
            while (!syncSeen) {
                int n = ctx.await(out, 1, out.length, WAIT_NS);
                assertTrue(n > 0, "no completion within 30 s");
                for (int i = 0; i < n; i++) {
                    AioRequest r = out[i];
                    assertTrue(r.result() >= 0, () -> "request failed: " + r);
                    if (out[i].tag() >= 0) {
                        deliveredWrites.add(out[i].tag());
                    }
                }
                for (int i = 0; i < n; i++) {
                    if (out[i].tag() == -1) {
                        syncSeen = true;
                        assertEquals(writes, deliveredWrites.size(),
                            "round " + round + ": the sync completed before all earlier writes had completed");
                        byte[] expected = new byte[writes * PAGE];
                        buf.get(round * writes * PAGE, expected);
                        byte[] actual = new byte[writes * PAGE];
                        ByteBuffer.wrap(Files.readAllBytes(f.path())).get(round * writes * PAGE, actual);
                        assertArrayEquals(expected, actual, "round " + round + ": data missing when its sync completed");
                    }
                }
            }
            if (deliveredWrites.size() < writes) {
                fail("writes delivered after their sync");
            }
        }
    }

    // ------------------------------------------------------------------ 2. batches

    @Nested
    class Batches {
        @Test
        void batchOfOne() throws IOException {
            NativeFile f = open("one.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
            ByteBuffer buf = aligned(PAGE);
            buf.putLong(0, 42L);
            AioRequest[] one = {new AioRequest().prepareWrite(f, 0, buf, PAGE)};
            assertEquals(1, ctx.submit(one, 0, 1));
            List<AioRequest> done = new ArrayList<>();
            awaitCount(ctx, 1, done);
            assertEquals(PAGE, done.get(0).result());
            assertEquals(RequestState.COMPLETED, done.get(0).state());
            assertEquals(Errno.NONE, done.get(0).errno());
            assertEquals(PAGE, f.size());
        }

        @Test
        void batchOfManyIsOneSubmission() throws IOException {
            NativeFile f = open("many.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
            int n = 64;
            ByteBuffer buf = aligned(n * PAGE);
            AioRequest[] batch = new AioRequest[n];
            for (int i = 0; i < n; i++) {
                batch[i] = new AioRequest().prepareWrite(f, (long) i * PAGE, AddressOf.buffer(buf) + (long) i * PAGE, PAGE);
            }
            long submitsBefore = ctx.count(AioCounter.SUBMIT_CALLS);
            assertEquals(n, ctx.submit(batch, 0, n));
            assertEquals(1, ctx.count(AioCounter.SUBMIT_CALLS) - submitsBefore, "a batch that fits takes one submission");
            List<AioRequest> done = new ArrayList<>();
            awaitCount(ctx, n, done);
            done.forEach(r -> assertEquals(PAGE, r.result()));
            assertEquals((long) n * PAGE, f.size());
        }

        @Test
        void moreThanTheLimitIsAcceptedExactlyUpToTheLimit() throws IOException {
            drainAll(ctx);
            ctx.close();
            ctx = openContext(AioOptions.defaults().maxInFlight(8));
            assertEquals(8, ctx.limits().maxInFlight());
            NativeFile f = open("limit.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
            int n = 20;
            ByteBuffer buf = aligned(n * PAGE);
            AioRequest[] batch = new AioRequest[n];
            for (int i = 0; i < n; i++) {
                batch[i] = new AioRequest().prepareWrite(f, (long) i * PAGE, AddressOf.buffer(buf) + (long) i * PAGE, PAGE).tag(i);
            }
            assertEquals(8, ctx.submit(batch, 0, n));
            assertEquals(8, ctx.inFlight());
            for (int i = 0; i < n; i++) {
                assertEquals(i < 8 ? RequestState.SUBMITTED : RequestState.PREPARED, batch[i].state(), "batch[" + i + "]");
            }
            assertEquals(0, ctx.submit(batch, 8, n - 8), "a full context accepts nothing");
            List<AioRequest> done = new ArrayList<>();
            awaitCount(ctx, 8, done);
            assertEquals(0, ctx.inFlight());
            assertEquals(8, ctx.submit(batch, 8, n - 8));
            awaitCount(ctx, 8, done);
            assertEquals(4, ctx.submit(batch, 16, 4));
            awaitCount(ctx, 4, done);
            Set<Long> tags = new HashSet<>();
            for (AioRequest r : done) {
                assertEquals(PAGE, r.result());
                assertTrue(tags.add(r.tag()), "tag delivered twice: " + r.tag());
            }
            assertEquals(n, tags.size());
        }

        @Test
        void submitAndWaitReturnsWithEveryRequestCompleteAndNothingLeftForThePort() throws IOException {
            NativeFile f = open("wait.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
            int n = 16;
            ByteBuffer buf = aligned((n + 1) * PAGE);
            AioRequest[] batch = new AioRequest[n + 1];
            for (int i = 0; i < n; i++) {
                batch[i] = new AioRequest().prepareWrite(f, (long) i * PAGE, AddressOf.buffer(buf) + (long) i * PAGE, PAGE);
            }
            batch[n] = new AioRequest().prepareSync(f, SyncMode.DATA);
            assertEquals(n + 1, ctx.submitAndWait(batch, 0, n + 1));
            for (AioRequest r : batch) {
                assertEquals(RequestState.COMPLETED, r.state());
            }
            assertEquals(0, ctx.inFlight());
            assertEquals(0, ctx.poll(new AioRequest[4], 4), "submitAndWait's completions must not reach the port");
        }
    }

    /** {@link AioContext#submitAndWaitInline}: in the caller when idle, else exactly submitAndWait. */
    @Nested
    class Inline {
        @Test
        void anIdleContextRunsTheBatchInTheCallerInOrderWithNothingLeftForThePort() throws IOException {
            NativeFile f = open("inline.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
            int n = 8;
            ByteBuffer buf = aligned(2 * n * PAGE);
            byte[] expected = new byte[n * PAGE];
            new Random(11).nextBytes(expected);
            buf.put(0, expected);
            AioRequest[] batch = new AioRequest[n + 1];
            for (int i = 0; i < n; i++) {
                // page i written twice in one batch: the second (later) write must be what lands
                batch[i] = new AioRequest().prepareWrite(f, (long) (i / 2) * PAGE, AddressOf.buffer(buf) + (long) i * PAGE, PAGE);
            }
            batch[n] = new AioRequest().prepareSync(f, SyncMode.DATA);
            long inlineBefore = ctx.count(AioCounter.INLINE_REQUESTS);
            long syncsBefore = ctx.count(AioCounter.DATA_SYNCS);
            assertEquals(n + 1, ctx.submitAndWaitInline(batch, 0, n + 1));
            assertEquals(n + 1, ctx.count(AioCounter.INLINE_REQUESTS) - inlineBefore, "every request ran in the caller");
            assertEquals(1, ctx.count(AioCounter.DATA_SYNCS) - syncsBefore, "the sync is counted as a sync too");
            for (int i = 0; i <= n; i++) {
                assertEquals(RequestState.COMPLETED, batch[i].state(), "batch[" + i + "]");
                assertEquals(i < n ? PAGE : 0, batch[i].result(), "batch[" + i + "]");
            }
            assertEquals(0, ctx.inFlight());
            assertEquals(0, ctx.poll(new AioRequest[4], 4), "inline completions must not reach the port");
            byte[] onDisk = Files.readAllBytes(f.path());
            assertEquals(n / 2 * PAGE, onDisk.length);
            for (int page = 0; page < n / 2; page++) {
                int from = (2 * page + 1) * PAGE;
                assertArrayEquals(Arrays.copyOfRange(expected, from, from + PAGE),
                    Arrays.copyOfRange(onDisk, page * PAGE, (page + 1) * PAGE), "page " + page + ": the later write lands");
            }
            AioRequest read = new AioRequest().prepareRead(f, PAGE, AddressOf.buffer(buf) + (long) n * PAGE, PAGE);
            assertEquals(1, ctx.submitAndWaitInline(new AioRequest[] {read}, 0, 1));
            assertEquals(PAGE, read.result());
        }

        @Test
        void withARequestInFlightItGoesThroughTheBackendAndThatRequestStillReachesThePortOnce() throws IOException {
            NativeFile f = open("busy.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
            ByteBuffer buf = aligned(2 * PAGE);
            AioRequest early = new AioRequest().prepareWrite(f, 0, AddressOf.buffer(buf), PAGE).tag(7);
            assertEquals(1, ctx.submit(new AioRequest[] {early}, 0, 1));
            AioRequest[] batch = {
                new AioRequest().prepareWrite(f, PAGE, AddressOf.buffer(buf) + PAGE, PAGE),
                new AioRequest().prepareSync(f, SyncMode.DATA)};
            long inlineBefore = ctx.count(AioCounter.INLINE_REQUESTS);
            assertEquals(2, ctx.submitAndWaitInline(batch, 0, 2));
            assertEquals(inlineBefore, ctx.count(AioCounter.INLINE_REQUESTS), "nothing inline while a request was in flight");
            assertEquals(RequestState.COMPLETED, batch[1].state());
            AioRequest[] out = new AioRequest[4];
            int got = ctx.await(out, 1, 4, AioContext.INFINITE);
            assertEquals(1, got, "the earlier request is delivered to the port exactly once");
            assertSame(early, out[0]);
            assertEquals(PAGE, early.result());
            assertEquals(0, ctx.poll(out, 4));
        }

        @Test
        void aFailedInlineRequestCompletesWithItsErrnoAndTheRestStillRun() throws IOException {
            Path p = dir.resolve("readonly.dat");
            Files.write(p, new byte[PAGE]);
            NativeFile f = open("readonly.dat", OpenFlag.READ);
            ByteBuffer buf = aligned(PAGE);
            AioRequest[] batch = {
                new AioRequest().prepareWrite(f, 0, AddressOf.buffer(buf), PAGE),
                new AioRequest().prepareRead(f, 0, AddressOf.buffer(buf), PAGE)};
            assertEquals(1, ctx.submitAndWaitInline(batch, 0, 2), "only the read succeeds");
            assertEquals(-Errno.EBADF.value(), batch[0].result(), "a write to a read-only descriptor");
            assertEquals(RequestState.COMPLETED, batch[0].state());
            assertEquals(PAGE, batch[1].result());
            assertEquals(0, ctx.inFlight());
        }
    }

    // ------------------------------------------------------------------ 3. completions

    @Nested
    class Completions {
        private NativeFile dataFile(int bytes) throws IOException {
            Path p = dir.resolve("data.bin");
            byte[] data = new byte[bytes];
            new Random(7).nextBytes(data);
            Files.write(p, data);
            NativeFile f = NativeFile.open(p, OpenFlag.READ);
            io.closeLater(f);
            return f;
        }

        private AioRequest[] reads(NativeFile f, ByteBuffer buf, int count) {
            AioRequest[] reqs = new AioRequest[count];
            for (int i = 0; i < count; i++) {
                reqs[i] = new AioRequest().prepareRead(f, (long) i * 512, AddressOf.buffer(buf) + (long) i * 512, 512).tag(i);
            }
            return reqs;
        }

        @Test
        void awaitReturnsBetweenMinAndMax() throws IOException {
            NativeFile f = dataFile(64 * 1024);
            ByteBuffer buf = aligned(64 * 1024);
            AioRequest[] reqs = reads(f, buf, 16);
            assertEquals(16, ctx.submit(reqs, 0, 16));
            AioRequest[] out = new AioRequest[16];
            assertEquals(16, ctx.await(out, 16, 16, WAIT_NS), "await(min=16) with 16 in flight");
            reqs = reads(f, buf, 16);
            assertEquals(16, ctx.submit(reqs, 0, 16));
            int total = 0;
            while (total < 16) {
                int n = ctx.await(out, 1, 3, WAIT_NS);
                assertTrue(n >= 1 && n <= 3, "await(min=1, max=3) returned " + n);
                total += n;
            }
            assertEquals(16, total);
        }

        @Test
        void awaitTimesOutWithFewerThanMin() throws IOException {
            long start = System.nanoTime();
            int n = ctx.await(new AioRequest[1], 1, 1, TimeUnit.MILLISECONDS.toNanos(100));
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(0, n);
            assertTrue(elapsedMs >= 100, "await returned after " + elapsedMs + " ms, before its 100 ms timeout");
        }

        @Test
        void awaitWithMinZeroAndPollNeverBlock() throws IOException {
            assertEquals(0, ctx.await(new AioRequest[1], 0, 1, AioContext.INFINITE));
            assertEquals(0, ctx.poll(new AioRequest[1], 1));
            NativeFile f = dataFile(PAGE);
            ByteBuffer buf = aligned(PAGE);
            AioRequest[] reqs = reads(f, buf, 1);
            ctx.submit(reqs, 0, 1);
            AioRequest[] out = new AioRequest[1];
            long deadline = System.nanoTime() + WAIT_NS;
            int n = 0;
            while (n == 0 && System.nanoTime() < deadline) {
                n = ctx.poll(out, 1);
            }
            assertEquals(1, n, "poll never saw the completion");
            assertEquals(512, out[0].result());
        }

        @Test
        void wakeupReturnsABlockedWaiterEarly() throws Exception {
            AtomicInteger returned = new AtomicInteger(-1);
            CountDownLatch started = new CountDownLatch(1);
            Thread waiter = new Thread(() -> {
                started.countDown();
                try {
                    returned.set(ctx.await(new AioRequest[1], 1, 1, AioContext.INFINITE));
                } catch (AioException e) {
                    returned.set(-2);
                }
            });
            waiter.start();
            started.await();
            Thread.sleep(100);
            assertTrue(waiter.isAlive(), "await(min=1) returned with nothing in flight");
            ctx.wakeup();
            waiter.join(TimeUnit.SECONDS.toMillis(30));
            assertTrue(!waiter.isAlive(), "wakeup did not return the waiter");
            assertEquals(0, returned.get());
        }

        @Test
        void wakeupWithNobodyWaitingReturnsTheNextAwait() throws IOException {
            ctx.wakeup();
            long start = System.nanoTime();
            assertEquals(0, ctx.await(new AioRequest[1], 1, 1, WAIT_NS));
            assertTrue(System.nanoTime() - start < WAIT_NS / 2, "the pending wakeup was lost");
        }

        @Test
        void everyCompletionIsDeliveredExactlyOnceUnderConcurrency() throws Exception {
            NativeFile f = dataFile(1 << 20);
            int submitters = 3;
            int perSubmitter = 2000;
            int total = submitters * perSubmitter;
            ConcurrentHashMap<Long, Integer> seen = new ConcurrentHashMap<>();
            AtomicInteger delivered = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < submitters; s++) {
                int id = s;
                threads.add(new Thread(() -> runSubmitter(f, id, perSubmitter, failure)));
            }
            for (int w = 0; w < 3; w++) {
                boolean usePoll = w == 0;
                threads.add(new Thread(() -> runReaper(usePoll, total, seen, delivered, failure)));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(90));
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertEquals(total, delivered.get(), "completions delivered");
            assertEquals(total, seen.size(), "distinct requests delivered");
            seen.forEach((tag, times) -> assertEquals(1, times, "request " + tag + " delivered " + times + " times"));
        }

        private void runSubmitter(NativeFile f, int id, int count, AtomicReference<Throwable> failure) {
            try {
                ByteBuffer buf = aligned(count * 512);
                AioRequest[] reqs = new AioRequest[count];
                Random rnd = new Random(id);
                for (int i = 0; i < count; i++) {
                    reqs[i] = new AioRequest().prepareRead(f, (long) rnd.nextInt(2048) * 512,
                        AddressOf.buffer(buf) + (long) i * 512, 512).tag((long) id * count + i);
                }
                for (int next = 0; next < count; ) {
                    int accepted = ctx.submit(reqs, next, Math.min(1 + rnd.nextInt(16), count - next));
                    next += accepted;
                    if (accepted == 0) {
                        Thread.onSpinWait();
                    }
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }

        private void runReaper(boolean usePoll, int total, ConcurrentHashMap<Long, Integer> seen, AtomicInteger delivered,
                               AtomicReference<Throwable> failure) {
            AioRequest[] out = new AioRequest[16];
            try {
                while (delivered.get() < total && failure.get() == null) {
                    int n = usePoll ? ctx.poll(out, out.length) : ctx.await(out, 1, out.length, 50_000_000L);
                    for (int i = 0; i < n; i++) {
                        assertEquals(512, out[i].result());
                        seen.merge(out[i].tag(), 1, Integer::sum);
                    }
                    delivered.addAndGet(n);
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }
    }

    // ------------------------------------------------------------------ 6. errors

    @Nested
    class Errors {
        private AioRequest runOne(AioRequest r) throws AioException {
            assertEquals(1, ctx.submit(new AioRequest[] {r}, 0, 1));
            List<AioRequest> done = new ArrayList<>();
            awaitCount(ctx, 1, done);
            return done.get(0);
        }

        @Test
        void readingPastTheEndTransfersZeroBytes() throws IOException {
            Path p = dir.resolve("short.bin");
            Files.write(p, new byte[100]);
            NativeFile f = NativeFile.open(p, OpenFlag.READ);
            io.closeLater(f);
            ByteBuffer buf = aligned(PAGE);
            assertEquals(0, runOne(new AioRequest().prepareRead(f, PAGE, buf, 512)).result());
            assertEquals(50, runOne(new AioRequest().prepareRead(f, 50, buf, 512)).result(), "a short read");
        }

        @Test
        void writingToAReadOnlyFileFailsWithEbadf() throws IOException {
            Path p = dir.resolve("ro.bin");
            Files.write(p, new byte[100]);
            NativeFile f = NativeFile.open(p, OpenFlag.READ);
            io.closeLater(f);
            AioRequest r = runOne(new AioRequest().prepareWrite(f, 0, aligned(PAGE), 512));
            assertEquals(RequestState.COMPLETED, r.state());
            assertEquals(-Errno.EBADF.value(), r.result());
            assertEquals(Errno.EBADF, r.errno());
        }

        @Test
        void aMisalignedDirectTransferFailsWithEinval() throws IOException {
            NativeFile f = open("direct.bin", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.DIRECT);
            ByteBuffer buf = aligned(2 * PAGE);
            assertEquals(PAGE, runOne(new AioRequest().prepareWrite(f, 0, AddressOf.buffer(buf), PAGE)).result(),
                "an aligned DIRECT write");
            AioRequest misalignedBuffer = runOne(new AioRequest().prepareWrite(f, 0, AddressOf.buffer(buf) + 1, PAGE));
            assertEquals(Errno.EINVAL, misalignedBuffer.errno());
            AioRequest misalignedOffset = runOne(new AioRequest().prepareWrite(f, 1, AddressOf.buffer(buf), PAGE));
            assertEquals(Errno.EINVAL, misalignedOffset.errno());
        }

        @Test
        void badArgumentsAreRefusedWithMessagesNamingTheValue() throws IOException {
            NativeFile f = open("args.bin", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
            ByteBuffer buf = aligned(PAGE);
            assertMessage("offset=-1", () -> new AioRequest().prepareRead(f, -1, buf, 10));
            assertMessage("length=-5", () -> new AioRequest().prepareWrite(f, 0, buf, -5));
            assertMessage("length=8192", () -> new AioRequest().prepareWrite(f, 0, buf, 8192));
            assertMessage("heap", () -> new AioRequest().prepareWrite(f, 0, ByteBuffer.allocate(10), 10));
            assertMessage("not open with APPEND", () -> new AioRequest().prepareAppend(f, buf, 10));
            assertMessage("sync mode is null", () -> new AioRequest().prepareSync(f, null));
            assertMessage("from=3 count=2", () -> ctx.submit(new AioRequest[4], 3, 2));
            assertMessage("NEW", () -> ctx.submit(new AioRequest[] {new AioRequest()}, 0, 1));
            assertMessage("min=3", () -> ctx.await(new AioRequest[4], 3, 2, 0));
            assertMessage("max=5", () -> ctx.await(new AioRequest[4], 1, 5, 0));
            assertMessage("timeoutNs=-1", () -> ctx.await(new AioRequest[4], 1, 1, -1));
            assertMessage("must contain READ or WRITE", () -> NativeFile.open(dir.resolve("x"), OpenFlag.CREATE));
        }

        @Test
        void aSubmittedRequestCannotBePreparedOrSubmittedAgain() throws IOException {
            NativeFile f = open("twice.bin", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
            AioRequest r = new AioRequest().prepareWrite(f, 0, aligned(PAGE), 512);
            AioRequest[] batch = {r, r};
            assertMessage("batch[1] is SUBMITTED", () -> ctx.submit(batch, 0, 2));
            assertEquals(RequestState.PREPARED, r.state(), "a refused batch leaves its requests PREPARED");
            assertEquals(0, ctx.inFlight());
            assertEquals(1, ctx.submit(batch, 0, 1));
            assertThrows(IllegalStateException.class, () -> r.prepareRead(f, 0, aligned(PAGE), 1));
            assertThrows(IllegalStateException.class, r::result);
            drainAll(ctx);
            assertEquals(512, r.result());
        }

        @Test
        void closingWithRequestsInFlightIsRefused() throws IOException {
            NativeFile f = open("inflight.bin", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
            assertEquals(1, ctx.submit(new AioRequest[] {new AioRequest().prepareWrite(f, 0, aligned(PAGE), PAGE)}, 0, 1));
            IllegalStateException e = assertThrows(IllegalStateException.class, ctx::close);
            assertTrue(e.getMessage().contains("1 requests in flight"), e.getMessage());
            drainAll(ctx);
            ctx.close();
            assertThrows(IllegalStateException.class, () -> ctx.poll(new AioRequest[1], 1), "use after close");
            ctx = null;
        }

        @Test
        void openFailuresNameThePathAndTheErrno() {
            Path missing = dir.resolve("missing/file");
            AioException e = assertThrows(AioException.class, () -> NativeFile.open(missing, OpenFlag.READ));
            assertEquals("open " + missing + ": ENOENT (2)", e.getMessage());
            assertEquals(Errno.ENOENT, e.errno());
        }

        private void assertMessage(String fragment, org.junit.jupiter.api.function.Executable call) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
            assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' does not name " + fragment);
        }
    }

    // ------------------------------------------------------------------ 7. cancel

    @Nested
    class Cancel {
        @Test
        void cancellingADeliveredRequestAnswersAllDone() throws IOException {
            NativeFile f = open("c1.bin", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
            AioRequest r = new AioRequest().prepareWrite(f, 0, aligned(PAGE), PAGE);
            ctx.submit(new AioRequest[] {r}, 0, 1);
            drainAll(ctx);
            assertEquals(CancelResult.ALL_DONE, ctx.cancel(r));
        }

        @Test
        void cancellingARequestThatWasNeverSubmittedIsRefused() throws IOException {
            NativeFile f = open("c2.bin", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
            AioRequest r = new AioRequest().prepareWrite(f, 0, aligned(PAGE), PAGE);
            assertThrows(IllegalArgumentException.class, () -> ctx.cancel(r));
        }

        @Test
        void everyCancelAnswerMatchesWhatIsDeliveredAndWhatLands() throws Exception {
            NativeFile f = open("c3.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND);
            int n = 64;
            int bytes = 64 * 1024;
            ByteBuffer buf = aligned(bytes);
            AioRequest[] batch = new AioRequest[n];
            for (int i = 0; i < n; i++) {
                batch[i] = new AioRequest().prepareAppend(f, AddressOf.buffer(buf), bytes).tag(i);
            }
            CancelResult[] answers = new CancelResult[n];
            try (AutoCloseable held = holdWrites()) {
                // The first append alone, then the rest, which queue behind it (on io_uring:
                // behind its chain, until a reap sees it complete); canceled newest first.
                assertEquals(1, ctx.submit(batch, 0, 1));
                assertEquals(n - 1, ctx.submit(batch, 1, n - 1));
                for (int i = n - 1; i >= 0; i--) {
                    answers[i] = ctx.cancel(batch[i]);
                }
            }
            long canceled = Arrays.stream(answers).filter(a -> a == CancelResult.CANCELED).count();
            String uncertain = whyNoCancelIsCertain();
            if (uncertain == null) {
                assertTrue(canceled > 0, backendName() + " can take back a queued append, yet answered "
                    + Arrays.toString(answers));
            } else {
                System.out.println(backendName() + ": " + canceled + " of " + n
                    + " canceled; none required, because " + uncertain);
            }
            List<AioRequest> done = new ArrayList<>();
            awaitCount(ctx, n, done);
            assertEquals(0, ctx.poll(new AioRequest[1], 1), "a canceled request was delivered twice");
            long landed = 0;
            for (int i = 0; i < n; i++) {
                AioRequest r = batch[i];
                if (answers[i] == CancelResult.CANCELED) {
                    assertEquals(RequestState.CANCELED, r.state(), "canceled request " + i);
                    assertEquals(Errno.ECANCELED, r.errno());
                } else {
                    assertEquals(RequestState.COMPLETED, r.state(), answers[i] + " request " + i);
                    assertEquals(bytes, r.result());
                    landed += bytes;
                }
            }
            assertEquals(landed, f.size(), "canceled appends must not land, the others must");
        }
    }
}
