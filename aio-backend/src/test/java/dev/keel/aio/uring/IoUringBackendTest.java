package dev.keel.aio.uring;

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
import dev.keel.aio.internal.LibC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the conformance suite cannot force, forced here through the io_uring context's own
 * counters and a named pipe: a pipe that is full keeps a write waiting inside the kernel (poll
 * armed) until the test drains it, which makes "in flight" last exactly as long as the test
 * wants, without timing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IoUringBackendTest {
    private static final int PAGE = AioFixture.PAGE_BYTES;
    private static final long WAIT_NS = AioFixture.WAIT_NS;

    @TempDir
    Path dir;
    private final IoUringBackend backend = new IoUringBackend();
    private AioFixture io;
    private final List<AioRequest> delivered = new ArrayList<>();

    @BeforeEach
    void requireBackend() {
        BackendRequirement.check(IoUringBackend.NAME, backend.unavailableReason());
        io = new AioFixture(dir);
    }

    @AfterEach
    void closeAll() throws Exception {
        if (io != null) {
            io.close();
        }
    }

    private IoUringContext context(AioOptions options) throws AioException {
        return track((IoUringContext) backend.open(options));
    }

    private IoUringContext track(IoUringContext c) {
        return io.track(c, c::describe);
    }

    private NativeFile file(String name, OpenFlag... flags) throws AioException {
        return io.file(name, flags);
    }

    private static ByteBuffer aligned(int bytes) {
        return AioFixture.aligned(bytes);
    }

    private static ByteBuffer filled(int bytes, int value) {
        ByteBuffer b = aligned(bytes);
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) value);
        }
        return b;
    }

    private void submit(AioContext c, AioRequest... requests) throws AioException {
        assertEquals(requests.length, c.submit(requests, 0, requests.length));
    }

    /** Awaits {@code count} completions and returns them in delivery order. */
    private List<AioRequest> awaitCompletions(AioContext c, int count) throws AioException {
        List<AioRequest> got = new ArrayList<>();
        AioRequest[] out = new AioRequest[Math.max(1, count)];
        while (got.size() < count) {
            int n = c.await(out, 1, count - got.size(), WAIT_NS);
            assertTrue(n > 0, "only " + got.size() + " of " + count + " completions within 30 s");
            got.addAll(Arrays.asList(out).subList(0, n));
        }
        delivered.addAll(got);
        return got;
    }

    // ------------------------------------------------------------------ a pipe the test controls

    /**
     * A named pipe opened twice: {@link #file} (blocking, APPEND) is what requests target; a
     * non-blocking descriptor fills it until the kernel says EAGAIN (whatever its capacity) and
     * drains it.
     */
    private final class Fifo implements AutoCloseable {
        final NativeFile file;
        private final int side;
        private final ByteBuffer scratch = aligned(1 << 20);
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();

        Fifo(String name) throws IOException, InterruptedException {
            Path p = dir.resolve(name);
            Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
            assertEquals(0, mk.waitFor(), "mkfifo " + p);
            file = NativeFile.open(p, OpenFlag.READ, OpenFlag.WRITE, OpenFlag.APPEND);
            side = LibC.open(p.toString(), LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0);
            assertTrue(side >= 0, "open " + p + ": errno " + LibC.errno());
            io.closeLater(this);
        }

        /** Writes 0x11 bytes until the pipe is full; returns how many. */
        int fill() {
            for (int i = 0; i < PAGE; i++) {
                scratch.put(i, (byte) 0x11);
            }
            int total = 0;
            while (true) {
                long r = LibC.write(side, AddressOf.buffer(scratch), PAGE);
                if (r < 0) {
                    assertEquals(Errno.EAGAIN.value(), LibC.errno(), "filling the pipe");
                    return total;
                }
                total += (int) r;
            }
        }

        /** Reads whatever the pipe holds now into {@link #received}; returns how many bytes. */
        int drain() {
            byte[] chunk = new byte[scratch.capacity()];
            int total = 0;
            while (true) {
                long r = LibC.read(side, AddressOf.buffer(scratch), scratch.capacity());
                if (r <= 0) {
                    return total;
                }
                scratch.get(0, chunk, 0, (int) r);
                received.write(chunk, 0, (int) r);
                total += (int) r;
            }
        }

        /** Drains until {@code totalBytes} were received since the pipe was opened; returns them all. */
        byte[] awaitReceived(int totalBytes) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT_NS;
            while (received.size() < totalBytes) {
                assertTrue(System.nanoTime() < deadline, "pipe got " + received.size() + " of " + totalBytes + " bytes");
                if (drain() == 0) {
                    Thread.sleep(1);
                }
            }
            return received.toByteArray();
        }

        @Override
        public void close() throws AioException {
            LibC.close(side);
            file.close();
        }
    }

    private static void assertAllBytes(byte[] data, int from, int length, int value, String what) {
        for (int i = from; i < from + length; i++) {
            assertEquals((byte) value, data[i], what + ": byte " + i);
        }
    }

    // ------------------------------------------------------------------ ordering

    @Test
    void anAppendSubmittedWhileAnEarlierOneIsInTheKernelIsHeldInUserSpaceUntilItCompletes() throws Exception {
        IoUringContext c = context(AioOptions.defaults());
        Fifo fifo = new Fifo("order.fifo");
        int filled = fifo.fill();
        AioRequest a = new AioRequest().prepareAppend(fifo.file, filled(PAGE, 0xA1), PAGE).tag(1);
        AioRequest b = new AioRequest().prepareAppend(fifo.file, filled(PAGE, 0xB2), PAGE).tag(2);
        submit(c, a);
        assertEquals(0, c.heldRequests(), "the first append goes to the kernel");
        submit(c, b);
        // This is the mechanism: io_uring would run b beside a, in either order; b waits here.
        assertEquals(1, c.heldRequests(), "the second append must wait in user space");
        assertEquals(1, c.count(AioCounter.WRITES), "only one write reached the kernel");
        assertEquals(0, c.poll(new AioRequest[2], 2));

        fifo.drain();
        List<AioRequest> done = awaitCompletions(c, 2);
        assertEquals(List.of(1L, 2L), List.of(done.get(0).tag(), done.get(1).tag()), "completion order");
        assertEquals(PAGE, a.result());
        assertEquals(PAGE, b.result());
        assertEquals(0, c.heldRequests());
        byte[] landed = fifo.awaitReceived(filled + 2 * PAGE);
        assertEquals(filled + 2 * PAGE, landed.length);
        assertAllBytes(landed, 0, filled, 0x11, "what filled the pipe");
        assertAllBytes(landed, filled, PAGE, 0xA1, "first append");
        assertAllBytes(landed, filled + PAGE, PAGE, 0xB2, "second append");
        assertEquals(2, c.ordering().chainsIssued(), "a's chain, then b's");
    }

    @Test
    void appendsOfOneSubmitCallGoToTheKernelAsOneLinkedChainAndLandInOrder() throws Exception {
        IoUringContext c = context(AioOptions.defaults());
        Fifo fifo = new Fifo("chain.fifo");
        int filled = fifo.fill();
        AioRequest[] batch = new AioRequest[8];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = new AioRequest().prepareAppend(fifo.file, filled(PAGE, 0x40 + i), PAGE).tag(i);
        }
        long submitsBefore = c.count(AioCounter.SUBMIT_CALLS);
        submit(c, batch);
        assertEquals(1, c.count(AioCounter.SUBMIT_CALLS) - submitsBefore, "one kernel entry for the batch");
        assertEquals(0, c.heldRequests(), "the whole batch is in the kernel, linked");
        assertEquals(1, c.ordering().chainsIssued());
        fifo.drain();
        List<AioRequest> done = awaitCompletions(c, batch.length);
        for (AioRequest r : done) {
            assertEquals(PAGE, r.result(), () -> "append " + r);
        }
        byte[] bytes = fifo.awaitReceived(filled + batch.length * PAGE);
        assertEquals(filled + batch.length * PAGE, bytes.length);
        for (int i = 0; i < batch.length; i++) {
            assertAllBytes(bytes, filled + i * PAGE, PAGE, 0x40 + i, "append " + i);
        }
    }

    @Test
    void aSyncIsHeldWhileAnEarlierWriteIsInTheKernelAndIssuedWhenItCompletes() throws Exception {
        IoUringContext c = context(AioOptions.defaults());
        Fifo fifo = new Fifo("sync.fifo");
        int filled = fifo.fill();
        AioRequest write = new AioRequest().prepareAppend(fifo.file, filled(PAGE, 0x5A), PAGE).tag(1);
        AioRequest sync = new AioRequest().prepareSync(fifo.file, SyncMode.DATA).tag(2);
        submit(c, write);
        submit(c, sync);
        assertEquals(1, c.heldRequests(), "the sync waits for the write");
        assertEquals(0, c.count(AioCounter.DATA_SYNCS), "no fdatasync reached the kernel yet");
        assertEquals(0, c.ordering().linkedSyncsIssued(), "the write came from an earlier call: no chain can cover it");

        fifo.drain();
        List<AioRequest> done = awaitCompletions(c, 2);
        assertEquals(List.of(1L, 2L), List.of(done.get(0).tag(), done.get(1).tag()), "completion order");
        assertEquals(PAGE, write.result());
        assertAllBytes(fifo.awaitReceived(filled + PAGE), filled, PAGE, 0x5A, "the write");
        assertEquals(1, c.count(AioCounter.DATA_SYNCS));
        assertEquals(1, c.ordering().heldSyncsIssued(), "issued from the reap path");
        // fdatasync on a pipe: the kernel's EINVAL comes back on the request.
        assertEquals(Errno.EINVAL, sync.errno());
    }

    @Test
    void aSyncInTheSameCallAsItsWritesIsLinkedBehindThemAndEntersTheKernelWithThem() throws Exception {
        IoUringContext c = context(AioOptions.defaults());
        NativeFile f = file("linked.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
        ByteBuffer buf = filled(4 * PAGE, 0x6B);
        AioRequest[] batch = {
            new AioRequest().prepareWrite(f, 0, AddressOf.buffer(buf), PAGE).tag(0),
            new AioRequest().prepareWrite(f, PAGE, AddressOf.buffer(buf) + PAGE, PAGE).tag(1),
            new AioRequest().prepareSync(f, SyncMode.DATA).tag(2),
            new AioRequest().prepareWrite(f, 2 * PAGE, AddressOf.buffer(buf) + 2 * PAGE, PAGE).tag(3),
            new AioRequest().prepareSync(f, SyncMode.FILE).tag(4)};
        long submits = c.count(AioCounter.SUBMIT_CALLS);
        long enters = c.enterCalls();
        submit(c, batch);
        // The mechanism: both syncs are in the kernel before anything was reaped, in the same entry.
        assertEquals(1, c.enterCalls() - enters, "one io_uring_enter for writes and syncs");
        assertEquals(1, c.count(AioCounter.DATA_SYNCS), "the fdatasync went with its writes");
        assertEquals(1, c.count(AioCounter.FILE_SYNCS), "the fsync went with its writes");
        assertEquals(2, c.ordering().linkedSyncsIssued());
        assertEquals(1, c.ordering().chainsIssued(), "W0 -> W1 -> SYNC -> W3 -> SYNC");
        assertEquals(0, c.heldRequests());

        List<AioRequest> done = awaitCompletions(c, batch.length);
        List<Long> order = done.stream().map(AioRequest::tag).toList();
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), order, "the kernel ran the chain in order and posted it in order");
        for (AioRequest r : batch) {
            assertEquals(r.opcode() == dev.keel.aio.AioOpcode.SYNC ? 0 : PAGE, r.result(), () -> "result of " + r);
        }
        assertEquals(1, c.count(AioCounter.SUBMIT_CALLS) - submits, "reaping issued nothing more");
        assertEquals(0, c.ordering().heldSyncsIssued(), "no sync from the reap path");
        assertEquals(0, c.ordering().parkedSyncs());
        assertEquals(1, c.count(AioCounter.DATA_SYNCS));
        assertEquals(1, c.count(AioCounter.FILE_SYNCS));
        byte[] content = Files.readAllBytes(f.path());
        assertEquals(3 * PAGE, content.length);
        assertAllBytes(content, 0, 3 * PAGE, 0x6B, "the writes");
    }

    @Test
    void aLinkedSyncWaitsInTheKernelForAnAppendThatCannotFinish() throws Exception {
        IoUringContext c = context(AioOptions.defaults());
        Fifo fifo = new Fifo("linked.fifo");
        int filled = fifo.fill();
        AioRequest[] batch = {
            new AioRequest().prepareAppend(fifo.file, filled(PAGE, 0xA1), PAGE).tag(0),
            new AioRequest().prepareAppend(fifo.file, filled(PAGE, 0xB2), PAGE).tag(1),
            new AioRequest().prepareSync(fifo.file, SyncMode.DATA).tag(2),
            new AioRequest().prepareAppend(fifo.file, filled(PAGE, 0xC3), PAGE).tag(3)};
        submit(c, batch);
        assertEquals(0, c.heldRequests(), "appends, sync and the append after it are all in the kernel");
        assertEquals(1, c.count(AioCounter.DATA_SYNCS));
        assertEquals(1, c.ordering().chainsIssued(), "the append chain was extended with the sync");
        Thread.sleep(50);
        // The append is poll-armed on the full pipe; the sync behind it in the chain must not run.
        assertEquals(0, c.poll(new AioRequest[4], 4), "nothing completes while the first append is stuck");

        fifo.drain();
        List<AioRequest> done = awaitCompletions(c, 4);
        assertEquals(List.of(0L, 1L, 2L), done.subList(0, 3).stream().map(AioRequest::tag).toList(), "chain order");
        assertEquals(PAGE, batch[0].result());
        assertEquals(PAGE, batch[1].result());
        // fdatasync on a pipe fails with EINVAL. Whether the kernel then cancels the rest of the
        // chain (this one does not for FSYNC) or not, the append after it completes with its own
        // result and lands after the others (a canceled one runs again, relinked).
        assertEquals(Errno.EINVAL, batch[2].errno());
        assertEquals(RequestState.COMPLETED, batch[3].state());
        assertEquals(PAGE, batch[3].result());
        byte[] landed = fifo.awaitReceived(filled + 3 * PAGE);
        assertAllBytes(landed, filled, PAGE, 0xA1, "first append");
        assertAllBytes(landed, filled + PAGE, PAGE, 0xB2, "second append");
        assertAllBytes(landed, filled + 2 * PAGE, PAGE, 0xC3, "append after the sync");
    }

    @Test
    void writesToOtherFilesAndReadsInTheSameCallAreNotPartOfTheChain() throws Exception {
        IoUringContext c = context(AioOptions.defaults());
        Fifo fifo = new Fifo("other.fifo");
        fifo.fill();
        NativeFile a = file("chained.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
        Path bPath = dir.resolve("read.dat");
        Files.write(bPath, new byte[PAGE]);
        NativeFile b = NativeFile.open(bPath, OpenFlag.READ);
        io.closeLater(b);
        ByteBuffer buf = filled(4 * PAGE, 0x2C);
        AioRequest stuck = new AioRequest().prepareAppend(fifo.file, filled(PAGE, 0xEE), PAGE).tag(0);
        AioRequest[] batch = {
            stuck,
            new AioRequest().prepareWrite(a, 0, AddressOf.buffer(buf), PAGE).tag(1),
            new AioRequest().prepareRead(b, 0, AddressOf.buffer(buf) + 3 * PAGE, PAGE).tag(2),
            new AioRequest().prepareWrite(a, PAGE, AddressOf.buffer(buf) + PAGE, PAGE).tag(3),
            new AioRequest().prepareSync(a, SyncMode.DATA).tag(4)};
        submit(c, batch);
        assertEquals(1, c.ordering().linkedSyncsIssued());
        assertEquals(2, c.ordering().chainsIssued(), "the pipe's append chain and the file's write chain, apart");
        // If the stuck append or the read were in the file's chain, the sync could not complete.
        List<AioRequest> done = awaitCompletions(c, 4);
        List<Long> tags = done.stream().map(AioRequest::tag).toList();
        assertTrue(!tags.contains(0L), "the append to the full pipe is still waiting: " + tags);
        assertTrue(tags.indexOf(4L) > tags.indexOf(1L) && tags.indexOf(4L) > tags.indexOf(3L), "sync after its writes: " + tags);
        assertEquals(0, batch[4].result());
        assertEquals(PAGE, batch[2].result());
        fifo.drain();
        awaitCompletions(c, 1);
        assertEquals(PAGE, stuck.result());
    }

    /**
     * A write that fails in the chain makes the kernel cancel the rest of it. The sync behind it
     * must not be reported canceled (it was accepted, and nobody asked), nor succeed before the
     * writes the kernel canceled have run again: it is issued again, alone, once every earlier
     * write has its final result, and completes with a real fdatasync's result.
     */
    @Test
    void aFailedWriteInTheChainFailsAloneAndTheSyncRunsAgainAfterTheWritesTheKernelCanceled() throws Exception {
        IoUringContext c = context(AioOptions.defaults());
        ByteBuffer good = filled(PAGE, 0x01);
        ByteBuffer bad = filled(2 * PAGE, 0x02);
        ByteBuffer third = filled(PAGE, 0x03);

        // DIRECT, positioned: a misaligned write, then the sync, on the same descriptor.
        NativeFile direct = file("direct.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.DIRECT);
        AioRequest[] one = {
            new AioRequest().prepareWrite(direct, 0, AddressOf.buffer(bad) + 1, PAGE).tag(0),
            new AioRequest().prepareSync(direct, SyncMode.DATA).tag(1)};
        List<Long> order = runChain(c, one);
        assertEquals(Errno.EINVAL, one[0].errno(), "the misaligned DIRECT write fails");
        assertEquals(List.of(0L, 1L), order);
        assertEquals(0, Files.size(direct.path()));

        // DIRECT appends: the one after the failed one was canceled with the chain, ran again,
        // and the sync waited for it as a held sync.
        NativeFile log = file("direct.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND, OpenFlag.DIRECT);
        AioRequest[] appends = {
            new AioRequest().prepareAppend(log, AddressOf.buffer(good), PAGE).tag(0),
            new AioRequest().prepareAppend(log, AddressOf.buffer(bad) + 1, PAGE).tag(1),
            new AioRequest().prepareAppend(log, AddressOf.buffer(third), PAGE).tag(2),
            new AioRequest().prepareSync(log, SyncMode.DATA).tag(3)};
        long held = c.ordering().heldSyncsIssued();
        order = runChain(c, appends);
        assertEquals(PAGE, appends[0].result());
        assertEquals(Errno.EINVAL, appends[1].errno());
        assertEquals(PAGE, appends[2].result(), "canceled with the chain, it ran again");
        assertEquals(3L, order.get(3), "the sync is delivered after every earlier write: " + order);
        assertEquals(1, c.ordering().heldSyncsIssued() - held, "the sync went again from the reap path, after the re-run append");
        byte[] content = Files.readAllBytes(log.path());
        assertEquals(2 * PAGE, content.length);
        assertAllBytes(content, 0, PAGE, 0x01, "first append");
        assertAllBytes(content, PAGE, PAGE, 0x03, "third append");

        // Buffered, positioned, on a descriptor open for reading only: both writes fail with
        // EBADF (the second after running again), and fsync, which needs no write access, succeeds.
        Path readOnly = dir.resolve("read-only.dat");
        Files.write(readOnly, new byte[2 * PAGE]);
        NativeFile ro = NativeFile.open(readOnly, OpenFlag.READ);
        io.closeLater(ro);
        AioRequest[] refused = {
            new AioRequest().prepareWrite(ro, 0, good, PAGE).tag(0),
            new AioRequest().prepareWrite(ro, PAGE, third, PAGE).tag(1),
            new AioRequest().prepareSync(ro, SyncMode.DATA).tag(2)};
        held = c.ordering().heldSyncsIssued();
        order = runChain(c, refused);
        assertEquals(Errno.EBADF, refused[0].errno());
        assertEquals(Errno.EBADF, refused[1].errno(), "its own result, not the chain's ECANCELED");
        assertEquals(2L, order.get(2), "the sync is delivered after every earlier write: " + order);
        assertEquals(1, c.ordering().heldSyncsIssued() - held);
        assertEquals(0, c.ordering().parkedSyncs());
    }

    /** Submits writes ending in a sync, checks that the sync was linked and ran twice, succeeding; returns the delivery order. */
    private List<Long> runChain(IoUringContext c, AioRequest[] batch) throws AioException {
        long linked = c.ordering().linkedSyncsIssued();
        long syncs = c.count(AioCounter.DATA_SYNCS);
        long reissues = c.ordering().reissues();
        submit(c, batch);
        assertEquals(1, c.ordering().linkedSyncsIssued() - linked, "linked behind the writes");
        List<Long> order = awaitCompletions(c, batch.length).stream().map(AioRequest::tag).toList();
        AioRequest sync = batch[batch.length - 1];
        assertEquals(RequestState.COMPLETED, sync.state(), "never canceled for another's failure: " + sync);
        assertEquals(0, sync.result(), "a real fdatasync, run again: " + sync);
        assertEquals(2, c.count(AioCounter.DATA_SYNCS) - syncs, "once in the chain, once again");
        assertTrue(c.ordering().reissues() - reissues >= 1);
        return order;
    }

    @Test
    void onADirectFileASyncIsNotLinkedBehindSeveralPositionedWritesWhichRunSideBySide() throws Exception {
        IoUringContext c = context(AioOptions.defaults());
        NativeFile f = file("depth.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.DIRECT);
        ByteBuffer buf = filled(4 * PAGE, 0x4E);
        AioRequest[] batch = new AioRequest[5];
        for (int i = 0; i < 4; i++) {
            batch[i] = new AioRequest().prepareWrite(f, (long) i * PAGE, AddressOf.buffer(buf) + (long) i * PAGE, PAGE).tag(i);
        }
        batch[4] = new AioRequest().prepareSync(f, SyncMode.DATA).tag(4);
        submit(c, batch);
        assertEquals(0, c.ordering().linkedSyncsIssued(), "a chain would run the four writes one after another");
        assertEquals(1, c.heldRequests(), "the sync is held until they complete");
        assertEquals(0, c.count(AioCounter.DATA_SYNCS));
        List<Long> order = awaitCompletions(c, 5).stream().map(AioRequest::tag).toList();
        assertEquals(4L, order.get(4), "sync last: " + order);
        assertEquals(0, batch[4].result());
        assertEquals(1, c.ordering().heldSyncsIssued());

        AioRequest[] single = {
            new AioRequest().prepareWrite(f, 0, buf, PAGE).tag(0),
            new AioRequest().prepareSync(f, SyncMode.DATA).tag(1)};
        submit(c, single);
        assertEquals(1, c.ordering().linkedSyncsIssued(), "behind one DIRECT write it is linked");
        awaitCompletions(c, 2);
        assertEquals(0, single[1].result());
    }

    @Test
    void aSyncOnAFileWithNothingInFlightGoesStraightToTheKernel() throws Exception {
        IoUringContext c = context(AioOptions.defaults());
        NativeFile f = file("idle.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
        AioRequest sync = new AioRequest().prepareSync(f, SyncMode.FILE);
        long entersBefore = c.enterCalls();
        submit(c, sync);
        assertEquals(1, c.enterCalls() - entersBefore, "one kernel entry, at submit");
        assertEquals(1, c.count(AioCounter.FILE_SYNCS));
        assertEquals(0, c.heldRequests());
        awaitCompletions(c, 1);
        assertEquals(0, sync.result());
    }

    @Test
    void aFailedAppendDoesNotCancelTheAppendsChainedAfterIt() throws Exception {
        IoUringContext c = context(AioOptions.defaults());
        NativeFile f = file("direct.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND, OpenFlag.DIRECT);
        ByteBuffer first = filled(PAGE, 0x01);
        ByteBuffer bad = filled(2 * PAGE, 0x02);
        ByteBuffer third = filled(PAGE, 0x03);
        AioRequest[] batch = {
            new AioRequest().prepareAppend(f, AddressOf.buffer(first), PAGE).tag(0),
            new AioRequest().prepareAppend(f, AddressOf.buffer(bad) + 1, PAGE).tag(1),
            new AioRequest().prepareAppend(f, AddressOf.buffer(third), PAGE).tag(2)};
        submit(c, batch);
        awaitCompletions(c, 3);
        assertEquals(PAGE, batch[0].result());
        assertEquals(Errno.EINVAL, batch[1].errno(), "the misaligned DIRECT append fails");
        assertEquals(RequestState.COMPLETED, batch[2].state(), "the kernel canceled it with the chain; it ran again");
        assertEquals(PAGE, batch[2].result());
        assertTrue(c.ordering().chainsIssued() >= 2, "the canceled rest of the chain went back as a new chain");
        byte[] content = Files.readAllBytes(f.path());
        assertEquals(2 * PAGE, content.length);
        assertAllBytes(content, 0, PAGE, 0x01, "first append");
        assertAllBytes(content, PAGE, PAGE, 0x03, "third append");
    }

    // ------------------------------------------------------------------ completions

    @Test
    void pollAndAwaitDoNotEnterTheKernelWhenCompletionsAreAlreadyThere() throws Exception {
        IoUringContext c = context(AioOptions.defaults());
        Path p = dir.resolve("cached.bin");
        Files.write(p, new byte[8 * PAGE]);
        NativeFile f = NativeFile.open(p, OpenFlag.READ);
        io.closeLater(f);
        ByteBuffer buf = aligned(8 * PAGE);
        AioRequest[] reads = new AioRequest[8];
        for (int i = 0; i < reads.length; i++) {
            reads[i] = new AioRequest().prepareRead(f, (long) i * PAGE, AddressOf.buffer(buf) + (long) i * PAGE, PAGE);
        }
        submit(c, reads);
        waitUntilReady(c, 8);
        long enters = c.enterCalls();
        AioRequest[] out = new AioRequest[8];
        int polled = c.poll(out, 4);
        assertEquals(4, polled);
        assertEquals(4, c.await(out, 4, 4, WAIT_NS));
        assertEquals(enters, c.enterCalls(), "poll and await entered the kernel with completions in the ring");
        assertEquals(0, c.count(AioCounter.WAIT_CALLS), "await never had to wait");

        assertEquals(0, c.await(out, 1, 1, TimeUnit.MILLISECONDS.toNanos(20)));
        assertTrue(c.enterCalls() > enters, "an await that must wait enters the kernel");
    }

    /** Waits until the CQ ring holds at least {@code count} CQEs (reads of cached pages finish inline). */
    private static void waitUntilReady(IoUringContext c, int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_NS;
        while (c.readyCompletions() < count) {
            assertTrue(System.nanoTime() < deadline, "completions never reached the ring");
            Thread.sleep(1);
        }
    }

    @Test
    void manyWakeupsPutAtMostOneNopInTheRing() throws Exception {
        IoUringContext c = context(AioOptions.defaults());
        long enters = c.enterCalls();
        for (int i = 0; i < 1000; i++) {
            c.wakeup();
        }
        assertEquals(1, c.enterCalls() - enters, "one NOP while the first is unreaped");
        assertEquals(0, c.await(new AioRequest[1], 1, 1, WAIT_NS), "the pending wakeup returns await");
        assertEquals(0, c.inFlight(), "the NOP is never a request");
        assertEquals(0, c.poll(new AioRequest[1], 1), "the NOP is never delivered");
        assertTrue(!c.completionsReady(), "reaping consumed the NOP");
    }

    @Test
    void ringsAreSizedSoTheCompletionQueueCannotOverflowWithMaxInFlight() throws Exception {
        IoUringContext small = context(AioOptions.defaults().maxInFlight(100));
        assertEquals(128, small.sqEntries());
        assertEquals(256, small.cqEntries());
        IoUringContext large = context(AioOptions.defaults().maxInFlight(AioOptions.MAX_MAX_IN_FLIGHT));
        assertEquals(32768, large.sqEntries());
        assertEquals(65536, large.cqEntries());
    }

    @Test
    void syncsQueuedOnIoWorkersOfAThreadThatExitsStillComplete() throws Exception {
        IoUringContext c = context(AioOptions.defaults());
        int files = 16;
        int syncsPerFile = 8;
        ByteBuffer buf = filled(64 * PAGE, 0x33);
        AioRequest[] syncs = new AioRequest[files * syncsPerFile];
        for (int i = 0; i < files; i++) {
            NativeFile f = file("exit-" + i + ".dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
            // Dirty pages so that each first sync has work to do.
            assertEquals(64 * PAGE, LibC.pwrite(f.fd(), AddressOf.buffer(buf), 64 * PAGE, 0));
            for (int j = 0; j < syncsPerFile; j++) {
                syncs[i * syncsPerFile + j] = new AioRequest().prepareSync(f, j % 2 == 0 ? SyncMode.DATA : SyncMode.FILE);
            }
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // FSYNC always runs on the submitting thread's io-wq workers, which go away with the
        // thread. Whether the kernel lets them finish (6.18 does) or cancels what is still queued
        // (the backend then issues it again), every sync completes with its own result.
        Thread submitter = new Thread(() -> {
            try {
                submit(c, syncs);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        submitter.start();
        submitter.join();
        assertNull(failure.get());
        for (AioRequest r : awaitCompletions(c, syncs.length)) {
            assertEquals(RequestState.COMPLETED, r.state(), () -> "request " + r);
            assertEquals(0, r.result(), () -> "request " + r);
        }
    }

    @Test
    void completionsThatOverflowTheRingWaitInTheKernelUntilReapFlushesThem() throws Exception {
        // A CQ as small as the SQ: four reads and the wakeup NOP make five completions for four entries.
        IoUringContext c = track(new IoUringContext(AioOptions.defaults().maxInFlight(4), 4, IoUringSyscalls.KERNEL));
        assertEquals(4, c.cqEntries());
        Path p = dir.resolve("overflow.bin");
        Files.write(p, new byte[4 * PAGE]);
        NativeFile f = NativeFile.open(p, OpenFlag.READ);
        io.closeLater(f);
        ByteBuffer buf = aligned(4 * PAGE);
        AioRequest[] reads = new AioRequest[4];
        for (int i = 0; i < reads.length; i++) {
            reads[i] = new AioRequest().prepareRead(f, (long) i * PAGE, AddressOf.buffer(buf) + (long) i * PAGE, PAGE);
        }
        submit(c, reads);
        waitUntilReady(c, 4);
        c.wakeup();
        assertTrue(c.overflowFlagged(), "the NOP's completion went to the overflow list");
        assertTrue(c.wakeupNopPending());

        AioRequest[] out = new AioRequest[8];
        assertEquals(4, c.poll(out, 8), "the four reads, then the overflow flushed and the NOP consumed");
        assertTrue(!c.overflowFlagged(), "reap flushed the overflow list");
        assertTrue(!c.wakeupNopPending(), "reap consumed the NOP");
        assertEquals(0, c.await(out, 1, 1, WAIT_NS), "the wakeup still returns the next await");
    }

    // ------------------------------------------------------------------ cancel

    @Test
    void cancelStopsAnAppendWaitingInTheKernelAndOneHeldInUserSpace() throws Exception {
        IoUringContext c = context(AioOptions.defaults());
        Fifo fifo = new Fifo("cancel.fifo");
        int filled = fifo.fill();
        AioRequest inKernel = new AioRequest().prepareAppend(fifo.file, filled(PAGE, 0xA1), PAGE).tag(1);
        AioRequest held = new AioRequest().prepareAppend(fifo.file, filled(PAGE, 0xB2), PAGE).tag(2);
        AioRequest last = new AioRequest().prepareAppend(fifo.file, filled(PAGE, 0xC3), PAGE).tag(3);
        submit(c, inKernel);
        submit(c, held);
        submit(c, last);
        assertEquals(2, c.heldRequests());

        assertEquals(CancelResult.CANCELED, c.cancel(held), "held in user space");
        assertEquals(1, c.heldRequests());
        assertEquals(CancelResult.CANCELED, c.cancel(inKernel), "poll-armed in the kernel: ASYNC_CANCEL");
        List<AioRequest> canceled = awaitCompletions(c, 2);
        for (AioRequest r : canceled) {
            assertEquals(RequestState.CANCELED, r.state(), () -> "canceled " + r);
            assertEquals(Errno.ECANCELED, r.errno());
        }
        assertEquals(0, c.heldRequests(), "the last append went to the kernel when the chain ended");

        fifo.drain();
        awaitCompletions(c, 1);
        assertEquals(PAGE, last.result());
        assertEquals(CancelResult.ALL_DONE, c.cancel(last));
        byte[] landed = fifo.awaitReceived(filled + PAGE);
        fifo.drain();
        landed = fifo.awaitReceived(filled + PAGE);
        assertEquals(filled + PAGE, landed.length, "canceled appends never land");
        assertAllBytes(landed, filled, PAGE, 0xC3, "the surviving append");
    }

    // ------------------------------------------------------------------ everything at once

    /**
     * A seeded random mix on three files (two appended, one written at offsets) with syncs and
     * cancels racing a reaper thread; then every promise is checked: exactly-once delivery, a
     * sync delivered after every earlier write to its file, appends in submission order with
     * exactly the non-canceled ones landed, and cancel answers that match what was delivered.
     */
    @Test
    void aRandomMixOfAppendsWritesSyncsAndCancelsKeepsEveryPromise() throws Exception {
        long seed = Long.getLong("keel.test.seed", System.nanoTime());
        System.out.println("randomMix seed=" + seed + " (replay with -Dkeel.test.seed=" + seed + ")");
        java.util.Random rnd = new java.util.Random(seed);
        IoUringContext c = context(AioOptions.defaults().maxInFlight(64));
        NativeFile[] files = {
            file("mix-a.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND),
            file("mix-b.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND),
            file("mix-p.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE)};
        int total = 3000;
        int record = 64;
        ByteBuffer buf = aligned(total * record);
        AioRequest[] reqs = new AioRequest[total];
        int[] fileOf = new int[total];
        for (int i = 0; i < total; i++) {
            buf.putLong(i * record, 0x4D49580000000000L | i);
            int f = rnd.nextInt(3);
            fileOf[i] = f;
            long address = AddressOf.buffer(buf) + (long) i * record;
            reqs[i] = rnd.nextInt(8) == 0 ? new AioRequest().prepareSync(files[f], rnd.nextBoolean() ? SyncMode.DATA : SyncMode.FILE)
                : f < 2 ? new AioRequest().prepareAppend(files[f], address, record)
                : new AioRequest().prepareWrite(files[f], (long) i * record, address, record);
            reqs[i].tag(i);
        }
        int[] deliveredAt = new int[total];
        Arrays.fill(deliveredAt, -1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reaper = new Thread(() -> reapAll(c, total, deliveredAt, failure));
        reaper.start();
        CancelResult[] answers = submitWithCancels(c, reqs, rnd);
        reaper.join(TimeUnit.SECONDS.toMillis(60));
        assertTrue(!reaper.isAlive(), () -> "reaper still waiting: " + c.describe());
        if (failure.get() != null) {
            throw new AssertionError(c.describe(), failure.get());
        }
        checkMix(reqs, fileOf, deliveredAt, answers, files, record);
        int[] byAnswer = new int[CancelResult.values().length];
        for (CancelResult a : answers) {
            if (a != null) {
                byAnswer[a.ordinal()]++;
            }
        }
        System.out.println("randomMix: cancel answers " + Arrays.toString(CancelResult.values()) + " = "
            + Arrays.toString(byAnswer) + ", chains " + c.ordering().chainsIssued() + ", re-issued " + c.ordering().reissues()
            + ", syncs linked " + c.ordering().linkedSyncsIssued() + " held " + c.ordering().heldSyncsIssued() + " parked " + c.ordering().parkedSyncs());
    }

    private CancelResult[] submitWithCancels(IoUringContext c, AioRequest[] reqs, java.util.Random rnd) throws AioException {
        CancelResult[] answers = new CancelResult[reqs.length];
        for (int next = 0; next < reqs.length; ) {
            int accepted = c.submit(reqs, next, Math.min(1 + rnd.nextInt(16), reqs.length - next));
            next += accepted;
            if (accepted == 0) {
                Thread.onSpinWait();
            }
            if (next > 0 && rnd.nextInt(4) == 0) {
                int victim = Math.max(0, next - 1 - rnd.nextInt(Math.min(next, 48)));
                if (answers[victim] == null) {
                    answers[victim] = c.cancel(reqs[victim]);
                }
            }
        }
        return answers;
    }

    private static void reapAll(AioContext c, int total, int[] deliveredAt, AtomicReference<Throwable> failure) {
        AioRequest[] out = new AioRequest[16];
        int position = 0;
        try {
            while (position < total) {
                int n = c.await(out, 1, out.length, TimeUnit.SECONDS.toNanos(10));
                assertTrue(n > 0, "no completion within 10 s after " + position);
                for (int i = 0; i < n; i++) {
                    int tag = (int) out[i].tag();
                    assertEquals(-1, deliveredAt[tag], "request " + tag + " delivered twice");
                    deliveredAt[tag] = position++;
                }
            }
        } catch (Throwable e) {
            failure.set(e);
        }
    }

    private static void checkMix(AioRequest[] reqs, int[] fileOf, int[] deliveredAt, CancelResult[] answers,
                                 NativeFile[] files, int record) throws IOException {
        List<List<Long>> expectedAppends = List.of(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < reqs.length; i++) {
            AioRequest r = reqs[i];
            int index = i;
            assertTrue(deliveredAt[i] >= 0, () -> "never delivered: " + r);
            if (answers[i] == CancelResult.CANCELED) {
                assertEquals(RequestState.CANCELED, r.state(), () -> "answered CANCELED: " + r);
                continue;
            }
            assertEquals(RequestState.COMPLETED, r.state(), () -> "answered " + answers[index] + ": " + r);
            assertEquals(r.opcode() == dev.keel.aio.AioOpcode.SYNC ? 0 : record, r.result(), () -> "result of " + r);
            if (r.opcode() == dev.keel.aio.AioOpcode.APPEND) {
                expectedAppends.get(fileOf[i]).add(0x4D49580000000000L | i);
            }
            if (r.opcode() == dev.keel.aio.AioOpcode.SYNC) {
                for (int w = 0; w < i; w++) {
                    if (fileOf[w] == fileOf[i] && reqs[w].opcode() != dev.keel.aio.AioOpcode.SYNC) {
                        int write = w;
                        assertTrue(deliveredAt[w] < deliveredAt[i], () -> "sync " + index + " delivered before earlier write " + write);
                    }
                }
            }
        }
        for (int f = 0; f < 2; f++) {
            ByteBuffer content = ByteBuffer.wrap(Files.readAllBytes(files[f].path()));
            List<Long> landed = new ArrayList<>();
            for (int at = 0; at < content.limit(); at += record) {
                landed.add(content.getLong(at));
            }
            assertEquals(expectedAppends.get(f), landed, "appends to file " + f + ": the non-canceled ones, in order");
        }
    }

    @Test
    void cancelNeedsNoReaperAndABrokenChainRunsAgainInOrder() throws Exception {
        IoUringContext c = context(AioOptions.defaults().maxInFlight(4));
        Fifo fifo = new Fifo("storm.fifo");
        int filled = fifo.fill();
        AioRequest[] chain = new AioRequest[4];
        for (int i = 0; i < chain.length; i++) {
            chain[i] = new AioRequest().prepareAppend(fifo.file, filled(PAGE, 0x60 + i), PAGE).tag(i);
        }
        submit(c, chain);
        // The last member waits behind its chain where ASYNC_CANCEL cannot reach it: ENOENT, and
        // not done, so NOT_CANCELED. No thread reaps; the answers must not pile up in the CQ (8 entries).
        for (int i = 0; i < 100; i++) {
            assertEquals(CancelResult.NOT_CANCELED, c.cancel(chain[3]), "answer " + i);
        }
        assertTrue(c.readyCompletions() == 0 && !c.overflowFlagged(), "cancel consumed its answers");
        // The head is poll-armed on the full pipe: the kernel cancels it, and with it the chain.
        assertEquals(CancelResult.CANCELED, c.cancel(chain[0]));
        fifo.drain();
        List<AioRequest> done = awaitCompletions(c, 4);
        assertEquals(RequestState.CANCELED, chain[0].state());
        for (int i = 1; i < 4; i++) {
            assertEquals(PAGE, chain[i].result(), "member " + i + " canceled by the kernel with its chain, run again");
        }
        assertEquals(0L, done.get(0).tag(), "the canceled head is delivered first");
        assertTrue(c.ordering().reissues() >= 3, "three members went back to the kernel");
        byte[] landed = fifo.awaitReceived(filled + 3 * PAGE);
        for (int i = 1; i < 4; i++) {
            assertAllBytes(landed, filled + (i - 1) * PAGE, PAGE, 0x60 + i, "member " + i);
        }
    }

    // ------------------------------------------------------------------ registered buffers

    @Test
    void registeredBuffersCarryTransfersInsideThemWithFixedOpcodes() throws Exception {
        ByteBuffer registered = aligned(16 * PAGE);
        IoUringContext c = context(AioOptions.defaults().registeredBuffers(registered));
        NativeFile f = file("fixed.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
        long base = AddressOf.buffer(registered);
        for (int i = 0; i < 4 * PAGE; i++) {
            registered.put(i, (byte) (i * 31 + 7));
        }
        AioRequest[] writes = new AioRequest[4];
        for (int i = 0; i < 4; i++) {
            writes[i] = new AioRequest().prepareWrite(f, (long) i * PAGE, base + (long) i * PAGE, PAGE);
        }
        submit(c, writes);
        awaitCompletions(c, 4).forEach(r -> assertEquals(PAGE, r.result()));
        assertEquals(4, c.count(AioCounter.FIXED_TRANSFERS), "WRITE_FIXED for writes inside the registered buffer");

        AioRequest read = new AioRequest().prepareRead(f, 0, base + 8L * PAGE, 4 * PAGE);
        submit(c, read);
        awaitCompletions(c, 1);
        assertEquals(4 * PAGE, read.result());
        assertEquals(5, c.count(AioCounter.FIXED_TRANSFERS), "READ_FIXED for a read into it");
        for (int i = 0; i < 4 * PAGE; i++) {
            assertEquals(registered.get(i), registered.get(8 * PAGE + i), "byte " + i + " read back");
        }

        ByteBuffer other = filled(PAGE, 0x77);
        AioRequest outside = new AioRequest().prepareWrite(f, 4L * PAGE, other, PAGE);
        AioRequest straddling = new AioRequest().prepareWrite(f, 5L * PAGE, base + 15L * PAGE + 1, PAGE);
        submit(c, outside, straddling);
        awaitCompletions(c, 2).forEach(r -> assertEquals(PAGE, r.result()));
        assertEquals(5, c.count(AioCounter.FIXED_TRANSFERS), "transfers not wholly inside a registered buffer use READ/WRITE");

        NativeFile log = file("fixed.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND);
        AioRequest[] appends = {
            new AioRequest().prepareAppend(log, base + PAGE, PAGE), new AioRequest().prepareAppend(log, base, PAGE)};
        submit(c, appends);
        awaitCompletions(c, 2).forEach(r -> assertEquals(PAGE, r.result()));
        assertEquals(7, c.count(AioCounter.FIXED_TRANSFERS), "WRITE_FIXED at the file position for appends");
        byte[] logged = Files.readAllBytes(log.path());
        byte[] expectedLog = new byte[2 * PAGE];
        registered.get(PAGE, expectedLog, 0, PAGE);
        registered.get(0, expectedLog, PAGE, PAGE);
        assertArrayEquals(expectedLog, logged, "appends from the registered buffer, in order");

        byte[] content = Files.readAllBytes(f.path());
        assertEquals(6 * PAGE, content.length);
        byte[] expected = new byte[4 * PAGE];
        registered.get(0, expected);
        assertArrayEquals(expected, Arrays.copyOf(content, 4 * PAGE));
        assertAllBytes(content, 4 * PAGE, PAGE, 0x77, "unregistered write");
    }

    @Test
    void aFailedRegistrationNamesTheLimitToRaise() {
        String hint = RegisteredBuffers.hint(Errno.ENOMEM.value(), 2, 1 << 20);
        assertTrue(hint.startsWith("2 buffers, 1048576 bytes: over RLIMIT_MEMLOCK ("), hint);
        assertTrue(hint.contains("ulimit -l"), hint);
    }

    // ------------------------------------------------------------------ probe

    @Test
    void theProbeNamesTheCallTheErrnoAndTheReason() {
        assertNull(backend.unavailableReason(), "io_uring runs on this machine (kernel 6.18)");
        assertEquals("disabled by seccomp or kernel.io_uring_disabled", IoUringRing.explainSetupErrno(Errno.EPERM.value()));
        assertEquals("IORING_FEAT_SINGLE_MMAP (5.4+), IORING_FEAT_NODROP (5.5+), IORING_FEAT_RW_CUR_POS (5.6+), "
            + "IORING_FEAT_EXT_ARG (5.11+)", IoUringRing.missingFeatures(0));
        assertNull(IoUringRing.missingFeatures(0xFFFF_FFFF));
    }

    @Test
    void steadyStateSubmitAndReapAllocateNothing() throws IOException {
        IoUringContext c = context(AioOptions.defaults());
        NativeFile f = file("alloc.dat", OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
        NativeFile g = file("alloc.log", OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND);
        long perRound = AioFixture.allocatedBytesPerRound(c, f, g, 1000);
        System.out.println("io_uring steady state: " + perRound + " bytes allocated per round of 20 requests");
        assertTrue(perRound < 16, "steady state allocated " + perRound + " bytes per round of 20 requests");
    }
}
