package dev.keel.aio;

import dev.keel.aio.conformance.CountingSyscalls;
import dev.keel.aio.threads.ThreadsBackend;
import org.agrona.BufferUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the conformance suite cannot force on every backend, forced here through the
 * threads backend's native-call boundary: slow writes (so a sync that jumped the queue would
 * show) and writes held at a gate (so a queued request can be canceled for certain).
 */
class ThreadsBackendTest {
    private static final int PAGE = 4096;

    @TempDir
    Path dir;
    private final CountingSyscalls syscalls = new CountingSyscalls();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        syscalls.openGate();
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private AioContext context(int workers) {
        AioContext c = new ThreadsBackend(syscalls).open(AioOptions.defaults().workerThreads(workers));
        closeables.add(() -> {
            AioRequest[] out = new AioRequest[c.limits().maxInFlight()];
            while (c.inFlight() > 0) {
                c.await(out, 1, out.length, AioContext.INFINITE);
            }
            c.close();
        });
        return c;
    }

    private NativeFile file(String name) throws AioException {
        NativeFile f = NativeFile.open(dir.resolve(name), OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
        closeables.add(f);
        return f;
    }

    @Test
    void anInlineRequestRunsOnTheCallerCannotBeCanceledAndKeepsTheContextFromClosing() throws Exception {
        AioContext c = context(1);
        NativeFile f = file("inline-gate.dat");
        ByteBuffer buf = ByteBuffer.allocateDirect(PAGE);
        AioRequest[] batch = {new AioRequest().prepareWrite(f, 0, buf, PAGE), new AioRequest().prepareSync(f, SyncMode.DATA)};
        syscalls.closeGate();
        AtomicInteger ok = new AtomicInteger(-1);
        Thread caller = new Thread(() -> {
            try {
                ok.set(c.submitAndWaitInline(batch, 0, 2));
            } catch (AioException e) {
                ok.set(-2);
            }
        }, "inline-caller");
        caller.start();
        try {
            assertTrue(syscalls.awaitPwriteEntered(60_000), "the caller reached pwrite");
            assertEquals(2, c.inFlight(), "both requests are in flight while the caller makes them");
            assertEquals(CancelResult.NOT_CANCELED, c.cancel(batch[0]), "the caller is in pwrite itself");
            assertEquals(CancelResult.NOT_CANCELED, c.cancel(batch[1]));
            assertThrows(IllegalStateException.class, c::close, "no close while an inline request runs");
            assertEquals(RequestState.SUBMITTED, batch[1].state());
        } finally {
            syscalls.openGate();
        }
        caller.join();
        assertEquals(2, ok.get());
        assertEquals(2, c.count(AioCounter.INLINE_REQUESTS));
        assertEquals(1, syscalls.pwrites.get(), "made once, by the caller");
        assertEquals(1, syscalls.fdatasyncs.get());
        assertEquals(0, c.inFlight());
    }

    @Test
    void aSyncWaitsBehindSlowWritesEvenWithIdleWorkers() throws IOException {
        syscalls.delayPwrites(20);
        AioContext ctx = context(8);
        NativeFile f = file("slow.dat");
        ByteBuffer buf = BufferUtil.allocateDirectAligned(4 * PAGE, PAGE);
        AioRequest[] batch = new AioRequest[5];
        for (int i = 0; i < 4; i++) {
            batch[i] = new AioRequest().prepareWrite(f, (long) i * PAGE, AddressOf.buffer(buf) + (long) i * PAGE, PAGE).tag(i);
        }
        batch[4] = new AioRequest().prepareSync(f, SyncMode.DATA).tag(-1);
        assertEquals(5, ctx.submit(batch, 0, 5));
        AioRequest[] out = new AioRequest[5];
        List<Long> order = new ArrayList<>();
        while (order.size() < 5) {
            int n = ctx.await(out, 1, 1, AioContext.INFINITE);
            for (int i = 0; i < n; i++) {
                order.add(out[i].tag());
            }
        }
        assertEquals(-1L, order.get(4), "the sync completed before a write submitted ahead of it: " + order);
        assertEquals(1, syscalls.fdatasyncs.get());
    }

    @Test
    void aRequestStillQueuedIsCanceledAndARunningOneIsNot() throws Exception {
        syscalls.closeGate();
        AioContext ctx = context(2);
        NativeFile f = file("gate.dat");
        ByteBuffer buf = BufferUtil.allocateDirectAligned(PAGE, PAGE);
        AioRequest running = new AioRequest().prepareWrite(f, 0, buf, PAGE);
        AioRequest queued = new AioRequest().prepareWrite(f, PAGE, buf, PAGE);
        assertEquals(2, ctx.submit(new AioRequest[] {running, queued}, 0, 2));
        assertTrue(syscalls.awaitPwriteEntered(30_000), "the first write never reached pwrite");
        assertEquals(CancelResult.CANCELED, ctx.cancel(queued));
        assertEquals(CancelResult.NOT_CANCELED, ctx.cancel(running));
        syscalls.openGate();
        AioRequest[] out = new AioRequest[2];
        int got = 0;
        while (got < 2) {
            got += ctx.await(out, 1, 2 - got, AioContext.INFINITE);
        }
        assertEquals(RequestState.CANCELED, queued.state());
        assertEquals(Errno.ECANCELED, queued.errno());
        assertEquals(PAGE, running.result());
        assertEquals(PAGE, f.size(), "the canceled write must not land");
        assertEquals(1, syscalls.pwrites.get(), "only the running write reached pwrite");
    }

    @Test
    void appendsUseWriteAndPositionedWritesUsePwrite() throws IOException {
        AioContext ctx = context(2);
        NativeFile log = NativeFile.open(dir.resolve("a.log"), OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.APPEND);
        closeables.add(log);
        NativeFile dat = file("p.dat");
        ByteBuffer buf = BufferUtil.allocateDirectAligned(PAGE, PAGE);
        AioRequest[] batch = {
            new AioRequest().prepareAppend(log, buf, 100),
            new AioRequest().prepareAppend(log, buf, 100),
            new AioRequest().prepareWrite(dat, 0, buf, 100),
            new AioRequest().prepareSync(dat, SyncMode.FILE),
        };
        assertEquals(4, ctx.submitAndWait(batch, 0, 4));
        assertEquals(2, syscalls.writes.get());
        assertEquals(1, syscalls.pwrites.get());
        assertEquals(1, syscalls.fsyncs.get());
        assertEquals(0, syscalls.fdatasyncs.get());
        assertEquals(200, log.size());
    }
}
