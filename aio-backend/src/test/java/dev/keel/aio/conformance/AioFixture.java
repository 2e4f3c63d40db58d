package dev.keel.aio.conformance;

import dev.keel.aio.AddressOf;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import dev.keel.aio.SyncMode;
import org.agrona.BufferUtil;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The test fixture every AIO test shares: contexts and files opened in a test's directory and
 * closed after it, newest first (a context only once nothing of it is in flight), page-aligned
 * direct buffers, and awaiting completions with a bound that fails the test instead of hanging.
 *
 * <pre>
 *   AioFixture io = new AioFixture(tempDir);          // in the test's @BeforeEach or field
 *   AioContext c = io.track(backend.open(options));  // drained and closed by io.close()
 *   NativeFile f = io.file("a.log", WRITE, CREATE);   // closed by io.close()
 *   ByteBuffer b = AioFixture.aligned(8192);          // 4 KiB aligned, whole pages
 *   AioFixture.awaitCount(c, 3, sink);                // exactly 3 completions, or fail after 30 s
 * </pre>
 */
public final class AioFixture implements AutoCloseable {
    public static final int PAGE_BYTES = 4096;
    public static final long WAIT_NS = TimeUnit.SECONDS.toNanos(30);

    private final Path dir;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    public AioFixture(Path dir) {
        this.dir = dir;
    }

    /** Closes {@code context} after the test, once every request it has in flight is delivered. */
    public <C extends AioContext> C track(C context) {
        return track(context, () -> "");
    }

    /** As {@link #track(AioContext)}, naming the context's state if draining it fails. */
    public <C extends AioContext> C track(C context, Supplier<String> state) {
        closeables.add(() -> {
            try {
                drainAll(context);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + " " + state.get(), e);
            }
            context.close();
        });
        return context;
    }

    /** Opens {@code name} in the test's directory; closed after the test. */
    public NativeFile file(String name, OpenFlag... flags) throws AioException {
        NativeFile f = NativeFile.open(dir.resolve(name), flags);
        closeables.add(f);
        return f;
    }

    /** Anything else to close after the test, in reverse order of registration with the rest. */
    public void closeLater(AutoCloseable closeable) {
        closeables.add(closeable);
    }

    public Path dir() {
        return dir;
    }

    /** A direct buffer of whole pages, at least {@code bytes} and one page, aligned to a page (O_DIRECT-ready). */
    public static ByteBuffer aligned(int bytes) {
        return BufferUtil.allocateDirectAligned(Math.max(PAGE_BYTES, (bytes + PAGE_BYTES - 1) / PAGE_BYTES * PAGE_BYTES),
            PAGE_BYTES);
    }

    /** Awaits exactly {@code count} completions into {@code sink}, failing if one takes more than 30 s. */
    public static void awaitCount(AioContext c, int count, List<AioRequest> sink) throws AioException {
        AioRequest[] out = new AioRequest[Math.max(1, Math.min(count, c.limits().maxInFlight()))];
        int got = 0;
        while (got < count) {
            int n = c.await(out, 1, Math.min(out.length, count - got), WAIT_NS);
            assertTrue(n > 0, "only " + got + " of " + count + " completions within 30 s");
            for (int i = 0; i < n; i++) {
                sink.add(out[i]);
            }
            got += n;
        }
    }

    /** Awaits every request {@code c} has in flight. */
    public static void drainAll(AioContext c) throws AioException {
        int inFlight = c.inFlight();
        if (inFlight > 0) {
            awaitCount(c, inFlight, new ArrayList<>());
        }
    }

    /**
     * The bytes this thread allocates per round in steady state, each round one batch of 16
     * positioned page writes to {@code data}, two appends to {@code log}, a data sync of
     * {@code data} and a read, submitted and awaited: {@code rounds} rounds warm up, the next
     * {@code rounds} are measured.
     */
    public static long allocatedBytesPerRound(AioContext c, NativeFile data, NativeFile log, int rounds)
        throws AioException {
        ByteBuffer buf = aligned(16 * PAGE_BYTES);
        long address = AddressOf.buffer(buf);
        AioRequest[] batch = new AioRequest[20];
        AioRequest[] out = new AioRequest[20];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = new AioRequest();
        }
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = 0;
        for (int round = 0; round < 2 * rounds; round++) {
            if (round == rounds) {
                before = threads.getCurrentThreadAllocatedBytes();
            }
            for (int i = 0; i < 16; i++) {
                batch[i].prepareWrite(data, (long) i * PAGE_BYTES, address + (long) i * PAGE_BYTES, PAGE_BYTES);
            }
            batch[16].prepareAppend(log, address, 64);
            batch[17].prepareAppend(log, address, 64);
            batch[18].prepareSync(data, SyncMode.DATA);
            batch[19].prepareRead(data, 0, address, 512);
            assertEquals(20, c.submit(batch, 0, 20));
            int got = 0;
            while (got < 20) {
                got += c.await(out, 1, 20 - got, WAIT_NS);
            }
        }
        return (threads.getCurrentThreadAllocatedBytes() - before) / rounds;
    }

    /**
     * Closes everything tracked, newest first (a context once its requests are delivered: what
     * was registered after it, a pipe that holds its writes, goes first); the first failure is
     * thrown after all were tried. A test that owns a context it must drain before its files
     * close drains and closes it itself, before this.
     */
    @Override
    public void close() throws Exception {
        Exception first = null;
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        closeables.clear();
        if (first != null) {
            throw first;
        }
    }
}
