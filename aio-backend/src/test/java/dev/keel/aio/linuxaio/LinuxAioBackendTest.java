package dev.keel.aio.linuxaio;

import dev.keel.aio.AddressOf;
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
import dev.keel.aio.conformance.AioFixture;
import dev.keel.aio.conformance.BackendRequirement;
import dev.keel.aio.linuxaio.ScriptedAioSyscalls.Entry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the conformance suite cannot force, forced at this backend's native-call boundary
 * ({@link ScriptedAioSyscalls}): completions held in the kernel's ring so the ordering
 * mechanism can be watched deciding what reaches the kernel, io_submit failures the kernel
 * gives only under pressure, and the O_DIRECT queue depth this backend exists for.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LinuxAioBackendTest {
    private static final int PAGE = AioFixture.PAGE_BYTES;
    private static final long WAIT_NS = AioFixture.WAIT_NS;

    @TempDir
    Path dir;
    private final ScriptedAioSyscalls sys = new ScriptedAioSyscalls();
    private AioFixture io;
    private AioContext ctx;

    @BeforeEach
    void open() throws IOException {
        BackendRequirement.check(LinuxAioBackend.NAME, new LinuxAioBackend().unavailableReason());
        io = new AioFixture(dir);
        ctx = new LinuxAioBackend(sys).open(AioOptions.defaults());
    }

    @AfterEach
    void close() throws Exception {
        sys.allowEvents(ScriptedAioSyscalls.UNLIMITED);
        try {
            if (ctx != null) {
                awaitCount(ctx.inFlight(), new ArrayList<>());
                ctx.close();
            }
        } finally {
            if (io != null) {
                io.close();
            }
        }
    }

    private NativeFile file(String name, OpenFlag... flags) throws AioException {
        return io.file(name, flags);
    }

    private static ByteBuffer aligned(int bytes) {
        return AioFixture.aligned(bytes);
    }

    private void awaitCount(int count, List<AioRequest> sink) throws AioException {
        AioFixture.awaitCount(ctx, count, sink);
    }

    /** Polls (never await: with events rationed, the ring is not empty and await would spin) for exactly n. */
    private List<AioRequest> pollExactly(int n) throws AioException {
        List<AioRequest> got = new ArrayList<>();
        AioRequest[] out = new AioRequest[n + 1];
        long deadline = System.nanoTime() + WAIT_NS;
        while (got.size() < n && System.nanoTime() < deadline) {
            int k = ctx.poll(out, n + 1 - got.size());
            for (int i = 0; i < k; i++) {
                got.add(out[i]);
            }
            if (k == 0) {
                Thread.onSpinWait();
            }
        }
        assertEquals(n, got.size(), "completions polled");
        return got;
    }

    private static long syncsSubmitted(List<Entry> timeline) {
        return timeline.stream().filter(e -> e.submitted() && e.isSync()).count();
    }

    // ------------------------------------------------------------------ ordering mechanism

    @Test
    void aLaterAppendReachesTheKernelOnlyOnceTheEarlierOneIsReaped() throws IOException {
        NativeFile f = file("append.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND);
        int n = 8;
        int record = 32;
        ByteBuffer buf = aligned(n * record);
        AioRequest[] batch = new AioRequest[n];
        for (int i = 0; i < n; i++) {
            buf.put(i * record, (byte) ('a' + i));
            batch[i] = new AioRequest().prepareAppend(f, AddressOf.buffer(buf) + (long) i * record, record).tag(i);
        }
        sys.allowEvents(0);
        assertEquals(n, ctx.submit(batch, 0, n));
        assertEquals(List.of(AddressOf.buffer(buf)), sys.submitted().stream().map(Entry::bufferAddress).toList(),
            "only the first append may be in the kernel while it has not been reaped");
        assertEquals(0, ctx.poll(new AioRequest[n], n));
        assertEquals(record, f.size(), "the kernel ran the first append (buffered: inside io_submit) and no other");
        for (int i = 1; i < n; i++) {
            sys.allowEvents(1);
            AioRequest done = pollExactly(1).get(0);
            assertEquals(i - 1, done.tag(), "appends complete in submission order");
            List<Entry> submitted = sys.submitted();
            assertEquals(i + 1, submitted.size(), "reaping append " + (i - 1) + " releases exactly the next one");
            assertEquals(AddressOf.buffer(buf) + (long) i * record, submitted.get(i).bufferAddress());
            assertEquals((long) (i + 1) * record, f.size());
        }
        sys.allowEvents(ScriptedAioSyscalls.UNLIMITED);
        awaitCount(1, new ArrayList<>());
        byte[] expected = new byte[n * record];
        buf.get(0, expected);
        assertArrayEquals(expected, Files.readAllBytes(f.path()));
        assertEquals(0, ((LinuxAioContext) ctx).orderedDescriptors(), "ordering state returned to the pool");
    }

    @Test
    void aSyncReachesTheKernelOnlyOnceEveryEarlierWriteIsReapedAndLaterWritesDoNotWait() throws IOException {
        NativeFile f = file("barrier.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
        ByteBuffer buf = aligned(6 * PAGE);
        AioRequest[] batch = new AioRequest[7];
        for (int i = 0; i < 4; i++) {
            batch[i] = new AioRequest().prepareWrite(f, (long) i * PAGE, AddressOf.buffer(buf) + (long) i * PAGE, PAGE).tag(i);
        }
        batch[4] = new AioRequest().prepareSync(f, SyncMode.DATA).tag(-1);
        for (int i = 5; i < 7; i++) {
            batch[i] = new AioRequest().prepareWrite(f, (long) i * PAGE, AddressOf.buffer(buf) + (long) i * PAGE, PAGE).tag(i);
        }
        sys.allowEvents(0);
        assertEquals(7, ctx.submit(batch, 0, 7));
        List<Entry> first = sys.submitted();
        assertEquals(6, first.size(), "all six writes, the two after the sync included, go in at once");
        assertEquals(1, ctx.count(AioCounter.SUBMIT_CALLS));
        assertEquals(0, syncsSubmitted(first), "the sync is held while earlier writes are in the kernel");
        Set<Long> earlierReaped = new HashSet<>();
        boolean syncDelivered = false;
        while (!syncDelivered) {
            sys.allowEvents(1);
            AioRequest done = pollExactly(1).get(0);
            assertTrue(done.result() >= 0, () -> "failed: " + done);
            if (done.tag() == -1) {
                assertEquals(4, earlierReaped.size(), "the sync completed before an earlier write");
                syncDelivered = true;
            } else if (done.tag() < 4) {
                earlierReaped.add(done.tag());
            }
            long syncs = syncsSubmitted(sys.timeline());
            assertEquals(earlierReaped.size() == 4 ? 1 : 0, syncs,
                "FDSYNC must reach the kernel exactly when the 4 earlier writes are reaped; reaped " + earlierReaped);
        }
        assertEquals(1, ctx.count(AioCounter.DATA_SYNCS));
        assertEquals(0, ctx.count(AioCounter.FILE_SYNCS));
    }

    @Test
    void cancelTakesHeldRequestsOutAndWhatWaitedBehindThemMovesOn() throws IOException {
        NativeFile f = file("cancel.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND);
        ByteBuffer buf = aligned(3 * PAGE);
        AioRequest a0 = new AioRequest().prepareAppend(f, AddressOf.buffer(buf), 100).tag(0);
        AioRequest a1 = new AioRequest().prepareAppend(f, AddressOf.buffer(buf) + PAGE, 100).tag(1);
        AioRequest sync = new AioRequest().prepareSync(f, SyncMode.FILE).tag(-1);
        AioRequest a2 = new AioRequest().prepareAppend(f, AddressOf.buffer(buf) + 2 * PAGE, 100).tag(2);
        buf.put(0, (byte) 'x').put(2 * PAGE, (byte) 'z');
        sys.allowEvents(0);
        assertEquals(4, ctx.submit(new AioRequest[] {a0, a1, sync, a2}, 0, 4));
        assertEquals(CancelResult.CANCELED, ctx.cancel(a1), "a held append never reached the kernel");
        assertEquals(CancelResult.NOT_CANCELED, ctx.cancel(a0), "the kernel cannot cancel a file write");
        assertEquals(1, sys.cancelCalls.get(), "io_cancel is asked only about the request in the kernel");
        long getevents = sys.geteventsCalls.get();
        List<AioRequest> first = pollExactly(1);
        assertSame(a1, first.get(0));
        assertEquals(RequestState.CANCELED, a1.state());
        assertEquals(Errno.ECANCELED, a1.errno());
        assertEquals(1, sys.submitted().size(), "still only a0 in the kernel");
        sys.allowEvents(ScriptedAioSyscalls.UNLIMITED);
        List<AioRequest> rest = new ArrayList<>();
        awaitCount(3, rest);
        assertTrue(sys.geteventsCalls.get() > getevents);
        for (AioRequest r : List.of(a0, sync, a2)) {
            assertEquals(RequestState.COMPLETED, r.state(), r.toString());
        }
        assertEquals(200, f.size(), "a0 and a2 landed, the canceled a1 did not");
        byte[] content = Files.readAllBytes(f.path());
        assertEquals('x', content[0]);
        assertEquals('z', content[100]);
        assertEquals(1, ctx.count(AioCounter.FILE_SYNCS));
        assertEquals(0, ((LinuxAioContext) ctx).orderedDescriptors());
    }

    @Test
    void cancellingAHeldSyncLeavesTheWritesAlone() throws IOException {
        NativeFile f = file("cancel-sync.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
        ByteBuffer buf = aligned(PAGE);
        AioRequest w = new AioRequest().prepareWrite(f, 0, buf, PAGE);
        AioRequest s = new AioRequest().prepareSync(f, SyncMode.DATA);
        sys.allowEvents(0);
        assertEquals(2, ctx.submit(new AioRequest[] {w, s}, 0, 2));
        assertEquals(CancelResult.CANCELED, ctx.cancel(s));
        assertSame(s, pollExactly(1).get(0));
        sys.allowEvents(ScriptedAioSyscalls.UNLIMITED);
        awaitCount(1, new ArrayList<>());
        assertEquals(PAGE, w.result());
        assertEquals(0, syncsSubmitted(sys.timeline()), "a canceled sync never reaches the kernel");
        assertEquals(0, ctx.count(AioCounter.DATA_SYNCS));
    }

    /**
     * Random batches of appends, positioned writes and syncs on two descriptors, completions
     * let out of the ring a few at a time, random cancels; then the kernel's timeline is checked
     * against the contract: one append per descriptor in the kernel, appends in submission
     * order, and each sync issued only after every earlier write of its descriptor was reaped.
     */
    @Test
    void randomInterleavingsKeepAppendOrderAndTheSyncBarrierInTheKernelTimeline() throws IOException {
        long seed = System.getProperty("keel.test.seed") != null ? Long.getLong("keel.test.seed") : System.nanoTime();
        System.out.println("linuxAioRandomOrder seed=" + seed + " (replay with -Dkeel.test.seed=" + seed + ")");
        Random rnd = new Random(seed);
        NativeFile[] fds = {
            file("model.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND),
            file("model.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE),
        };
        ModelRun run = new ModelRun(fds, aligned(4000 * 64));
        for (int step = 0; step < 400; step++) {
            int action = rnd.nextInt(10);
            if (action < 4) {
                run.submitRandomBatch(rnd, ctx);
            } else if (action < 8) {
                sys.allowEvents(rnd.nextInt(4));
                run.delivered(pollAvailable());
            } else {
                run.cancelRandom(rnd, ctx);
            }
        }
        sys.allowEvents(ScriptedAioSyscalls.UNLIMITED);
        List<AioRequest> rest = new ArrayList<>();
        awaitCount(ctx.inFlight(), rest);
        run.delivered(rest);
        System.out.println("linuxAioRandomOrder: " + run.summary() + ", " + sys.submitCalls.get() + " io_submit calls");
        run.check(sys.timeline(), "seed " + seed);
        assertEquals(0, ((LinuxAioContext) ctx).orderedDescriptors());
    }

    private List<AioRequest> pollAvailable() throws AioException {
        AioRequest[] out = new AioRequest[64];
        int n = ctx.poll(out, out.length);
        List<AioRequest> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            got.add(out[i]);
        }
        return got;
    }

    // ------------------------------------------------------------------ submission failures

    @Test
    void eagainPartWayThroughTheCallersBatchReturnsTheAcceptedPrefix() throws IOException {
        NativeFile f = file("prefix.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
        NativeFile g = file("prefix.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND);
        ByteBuffer buf = aligned(6 * PAGE);
        for (int i = 0; i < 6; i++) {
            buf.put(i * PAGE, (byte) ('0' + i));
        }
        AioRequest[] batch = {
            new AioRequest().prepareWrite(f, 0, AddressOf.buffer(buf), PAGE),
            new AioRequest().prepareWrite(f, PAGE, AddressOf.buffer(buf) + PAGE, PAGE),
            new AioRequest().prepareAppend(g, AddressOf.buffer(buf) + 2 * PAGE, 10),
            new AioRequest().prepareAppend(g, AddressOf.buffer(buf) + 3 * PAGE, 10),
            new AioRequest().prepareSync(f, SyncMode.DATA),
            new AioRequest().prepareRead(f, 0, AddressOf.buffer(buf) + 5 * PAGE, PAGE),
        };
        sys.failSubmitAfter(2, Errno.EAGAIN.value());
        assertEquals(2, ctx.submit(batch, 0, batch.length), "the kernel took two, then had no room");
        assertEquals(2, ctx.inFlight());
        for (int i = 2; i < batch.length; i++) {
            assertEquals(RequestState.PREPARED, batch[i].state(), "batch[" + i + "] given back");
        }
        assertEquals(0, ctx.count(AioCounter.DATA_SYNCS) + ctx.count(AioCounter.READS));
        List<AioRequest> done = new ArrayList<>();
        awaitCount(2, done);
        assertEquals(4, ctx.submit(batch, 2, 4), "the given-back requests go in as a fresh batch");
        awaitCount(4, done);
        for (AioRequest r : batch) {
            assertTrue(r.result() >= 0, r.toString());
        }
        assertEquals("23", new String(Files.readAllBytes(g.path())).replace("\0", ""), "appends in order");
        assertEquals(1, ctx.count(AioCounter.DATA_SYNCS));
        assertEquals(0, ((LinuxAioContext) ctx).orderedDescriptors());
    }

    @Test
    void eagainWithNothingInFlightThrowsAndLeavesTheBatchPrepared() throws IOException {
        NativeFile f = file("eagain.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
        AioRequest w = new AioRequest().prepareWrite(f, 0, aligned(PAGE), PAGE);
        sys.failSubmitAfter(0, Errno.EAGAIN.value());
        AioException e = assertThrows(AioException.class, () -> ctx.submit(new AioRequest[] {w}, 0, 1));
        assertEquals("io_submit", e.operation());
        assertEquals(Errno.EAGAIN, e.errno());
        assertEquals(RequestState.PREPARED, w.state());
        assertEquals(0, ctx.inFlight());
        assertEquals(0, ((LinuxAioContext) ctx).orderedDescriptors());
        assertEquals(1, ctx.submit(new AioRequest[] {w}, 0, 1));
        awaitCount(1, new ArrayList<>());
        assertEquals(PAGE, w.result());
    }

    @Test
    void anIocbTheKernelRefusesMidBatchCompletesWithItsErrnoAndTheOthersRun() throws IOException {
        NativeFile f = file("ok.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
        Path roPath = dir.resolve("ro.dat");
        Files.write(roPath, new byte[10]);
        NativeFile ro = NativeFile.open(roPath, OpenFlag.READ);
        io.closeLater(ro);
        ByteBuffer buf = aligned(PAGE);
        AioRequest[] batch = {
            new AioRequest().prepareWrite(f, 0, buf, PAGE).tag(0),
            new AioRequest().prepareWrite(ro, 0, buf, PAGE).tag(1),
            new AioRequest().prepareWrite(f, PAGE, buf, PAGE).tag(2),
        };
        assertEquals(3, ctx.submit(batch, 0, 3));
        assertEquals(3, ctx.count(AioCounter.SUBMIT_CALLS), "took 1, refused the next with EBADF, took the last");
        awaitCount(3, new ArrayList<>());
        assertEquals(PAGE, batch[0].result());
        assertEquals(Errno.EBADF, batch[1].errno());
        assertEquals(PAGE, batch[2].result());
        assertEquals(2, ctx.count(AioCounter.WRITES), "only writes the kernel took are counted");
    }

    @Test
    void aRefusedAppendReleasesTheNextOneWhichMeetsTheSameFate() throws IOException {
        NativeFile g = file("closed.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND);
        ByteBuffer buf = aligned(PAGE);
        AioRequest a0 = new AioRequest().prepareAppend(g, buf, 10);
        AioRequest a1 = new AioRequest().prepareAppend(g, buf, 10);
        g.close();
        assertEquals(2, ctx.submit(new AioRequest[] {a0, a1}, 0, 2));
        awaitCount(2, new ArrayList<>());
        assertEquals(Errno.EBADF, a0.errno());
        assertEquals(Errno.EBADF, a1.errno());
        assertEquals(0, ((LinuxAioContext) ctx).orderedDescriptors());
    }

    @Test
    void eintrFromSubmitAndGeteventsIsRetried() throws IOException {
        NativeFile f = file("eintr.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
        AioRequest w = new AioRequest().prepareWrite(f, 0, aligned(PAGE), PAGE);
        sys.interruptNextSubmit();
        sys.interruptNextGetevents();
        assertEquals(1, ctx.submit(new AioRequest[] {w}, 0, 1));
        awaitCount(1, new ArrayList<>());
        assertEquals(PAGE, w.result(), "EINTR never reaches the request");
        assertEquals(2, sys.submitCalls.get());
        assertTrue(sys.geteventsCalls.get() >= 2);
    }

    @Test
    void ioSetupFailureNamesTheCallTheErrnoAndTheLimit() {
        sys.failSetup(Errno.EAGAIN.value());
        AioException e = assertThrows(AioException.class, () -> new LinuxAioBackend(sys).open(AioOptions.defaults()));
        assertEquals(Errno.EAGAIN, e.errno());
        assertTrue(e.getMessage().startsWith("io_setup: EAGAIN (11) (/proc/sys/fs/aio-max-nr exhausted: aio-nr="),
            e.getMessage());
    }

    @Test
    void unavailableReasonIsNullHereAndProbedOnce() {
        assertNull(new LinuxAioBackend().unavailableReason());
        assertNull(new LinuxAioBackend(sys).unavailableReason());
        assertEquals(0, sys.submitCalls.get(), "the probe uses the real kernel, once per process");
    }

    // ------------------------------------------------------------------ completions and waiting

    @Test
    void pollEntersTheKernelOnlyWhenTheRingHoldsEvents() throws IOException {
        AioRequest[] out = new AioRequest[4];
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, ctx.poll(out, 4));
        }
        assertEquals(0, sys.geteventsCalls.get(), "polling an empty ring made system calls");
        Path p = dir.resolve("data.bin");
        Files.write(p, new byte[PAGE]);
        NativeFile f = NativeFile.open(p, OpenFlag.READ);
        io.closeLater(f);
        assertEquals(1, ctx.submit(new AioRequest[] {new AioRequest().prepareRead(f, 0, aligned(PAGE), PAGE)}, 0, 1));
        pollExactly(1);
        long calls = sys.geteventsCalls.get();
        assertTrue(calls >= 1);
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, ctx.poll(out, 4));
        }
        assertEquals(calls, sys.geteventsCalls.get(), "the ring is empty again: no more system calls");
    }

    @Test
    void severalWaitersEachGetACompletionWhenTheLeaderTakesOnlyOne() throws Exception {
        Path p = dir.resolve("data.bin");
        Files.write(p, new byte[PAGE]);
        NativeFile f = NativeFile.open(p, OpenFlag.READ);
        io.closeLater(f);
        ByteBuffer buf = aligned(3 * PAGE);
        for (int round = 0; round < 20; round++) {
            List<Thread> waiters = new ArrayList<>();
            List<Integer> got = Collections.synchronizedList(new ArrayList<>());
            for (int w = 0; w < 3; w++) {
                waiters.add(new Thread(() -> {
                    try {
                        got.add(ctx.await(new AioRequest[1], 1, 1, WAIT_NS));
                    } catch (AioException e) {
                        got.add(-1);
                    }
                }));
            }
            waiters.forEach(Thread::start);
            Thread.sleep(round % 2 == 0 ? 20 : 0);
            AioRequest[] reads = new AioRequest[3];
            for (int i = 0; i < 3; i++) {
                reads[i] = new AioRequest().prepareRead(f, 0, AddressOf.buffer(buf) + (long) i * PAGE, 512);
            }
            assertEquals(3, ctx.submit(reads, 0, 3));
            for (Thread t : waiters) {
                t.join(TimeUnit.SECONDS.toMillis(60));
                assertFalse(t.isAlive(), "a waiter missed its wakeup in round " + round);
            }
            assertEquals(List.of(1, 1, 1), got, "round " + round);
        }
    }

    @Test
    void wakeupReturnsEachOfSeveralBlockedWaitersInTurn() throws Exception {
        List<Integer> returned = Collections.synchronizedList(new ArrayList<>());
        List<Thread> waiters = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            waiters.add(new Thread(() -> {
                try {
                    returned.add(ctx.await(new AioRequest[1], 1, 1, AioContext.INFINITE));
                } catch (AioException e) {
                    returned.add(-1);
                }
            }));
        }
        waiters.forEach(Thread::start);
        long deadline = System.nanoTime() + WAIT_NS;
        for (int expected = 1; expected <= 3; expected++) {
            ctx.wakeup();
            while (returned.size() < expected && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(expected, returned.size(), "wakeup " + expected + " returned no waiter");
        }
        for (Thread t : waiters) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertEquals(List.of(0, 0, 0), returned);
    }

    @Test
    void closeSendsBackAWaiterSleepingInTheKernel() throws Exception {
        List<Throwable> outcome = Collections.synchronizedList(new ArrayList<>());
        Thread waiter = new Thread(() -> {
            try {
                ctx.await(new AioRequest[1], 1, 1, AioContext.INFINITE);
                outcome.add(null);
            } catch (Throwable e) {
                outcome.add(e);
            }
        });
        waiter.start();
        Thread.sleep(50);
        ctx.close();
        waiter.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(waiter.isAlive(), "the waiter still sleeps on a closed context");
        assertEquals(1, outcome.size());
        assertTrue(outcome.get(0) instanceof IllegalStateException, String.valueOf(outcome.get(0)));
        ctx = null;
    }

    // ------------------------------------------------------------------ O_DIRECT at queue depth

    @Test
    void sixtyFourDirectWritesAndTheirDataSyncInOneBatch() throws IOException {
        int n = 64;
        NativeFile f = file("direct.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.DIRECT);
        f.allocate(0, (long) n * PAGE);
        ByteBuffer buf = aligned(n * PAGE);
        byte[] expected = new byte[n * PAGE];
        new Random(64).nextBytes(expected);
        buf.put(0, expected);
        AioRequest[] batch = new AioRequest[n + 1];
        for (int i = 0; i < n; i++) {
            batch[i] = new AioRequest().prepareWrite(f, (long) i * PAGE, AddressOf.buffer(buf) + (long) i * PAGE, PAGE).tag(i);
        }
        batch[n] = new AioRequest().prepareSync(f, SyncMode.DATA).tag(-1);
        assertEquals(n + 1, ctx.submit(batch, 0, n + 1));
        assertEquals(1, ctx.count(AioCounter.SUBMIT_CALLS), "64 DIRECT writes in one io_submit");
        List<AioRequest> done = new ArrayList<>();
        awaitCount(n + 1, done);
        assertEquals(-1, done.get(n).tag(), "the sync completed last");
        for (AioRequest r : done) {
            assertEquals(r.tag() == -1 ? 0 : PAGE, r.result(), r.toString());
        }
        assertEquals(n, ctx.count(AioCounter.WRITES));
        assertEquals(1, ctx.count(AioCounter.DATA_SYNCS));
        ByteBuffer back = aligned(n * PAGE);
        AioRequest[] reads = new AioRequest[n];
        for (int i = 0; i < n; i++) {
            reads[i] = new AioRequest().prepareRead(f, (long) i * PAGE, AddressOf.buffer(back) + (long) i * PAGE, PAGE);
        }
        assertEquals(n, ctx.submitAndWait(reads, 0, n), "64 DIRECT reads back");
        byte[] actual = new byte[n * PAGE];
        back.get(0, actual);
        assertArrayEquals(expected, actual, "DIRECT read-back differs");
        assertArrayEquals(expected, Files.readAllBytes(f.path()), "file content differs");
    }

    @Test
    void directAppendsLandInSubmissionOrder() throws IOException {
        int n = 48;
        NativeFile f = file("direct.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND, OpenFlag.DIRECT);
        ByteBuffer buf = aligned(n * PAGE);
        byte[] expected = new byte[n * PAGE];
        new Random(48).nextBytes(expected);
        buf.put(0, expected);
        AioRequest[] batch = new AioRequest[n + 1];
        for (int i = 0; i < n; i++) {
            batch[i] = new AioRequest().prepareAppend(f, AddressOf.buffer(buf) + (long) i * PAGE, PAGE);
        }
        batch[n] = new AioRequest().prepareSync(f, SyncMode.FILE);
        assertEquals(n + 1, ctx.submit(batch, 0, n + 1));
        awaitCount(n + 1, new ArrayList<>());
        for (AioRequest r : batch) {
            assertTrue(r.result() >= 0, r.toString());
        }
        assertArrayEquals(expected, Files.readAllBytes(f.path()));
    }

    @Test
    void steadyStateSubmitAndReapAllocateNothing() throws IOException {
        // The scripted system calls allocate for their log: measure with the real ones.
        ctx.close();
        ctx = new LinuxAioBackend().open(AioOptions.defaults());
        NativeFile f = file("alloc.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
        NativeFile g = file("alloc.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND);
        long perRound = AioFixture.allocatedBytesPerRound(ctx, f, g, 3000);
        System.out.println("linux-aio steady state: " + perRound + " bytes allocated per round of 20 requests");
        assertTrue(perRound < 16, "steady state allocated " + perRound + " bytes per round of 20 requests");
    }
}
