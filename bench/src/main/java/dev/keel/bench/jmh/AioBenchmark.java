package dev.keel.bench.jmh;

import dev.keel.aio.AddressOf;
import dev.keel.aio.Aio;
import dev.keel.aio.AioContext;
import dev.keel.aio.AioException;
import dev.keel.aio.AioOpcode;
import dev.keel.aio.AioOptions;
import dev.keel.aio.AioRequest;
import dev.keel.aio.NativeFile;
import dev.keel.aio.OpenFlag;
import dev.keel.aio.SyncMode;
import org.agrona.BufferUtil;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Submit-plus-complete through the AIO layer, per backend, at a constant queue depth: each
 * invocation reaps whatever has completed (at least one) and resubmits those requests as one
 * batch, so {@code depth} requests stay in flight. The primary score counts invocations; the
 * {@code ops} aux counter counts requests completed, the figure to compare. Each iteration also
 * prints CPU ns per request ({@link CpuMeter}).
 *
 * <ul>
 *   <li>{@code write4k}: 4 KiB positioned writes into a preallocated 64 MiB file, depth 1 and 32.</li>
 *   <li>{@code write4kDataSync}: a 4 KiB write plus a DATA sync barrier, one pair in flight.</li>
 *   <li>{@code read1m}: 1 MiB sequential reads of a 256 MiB file (page cache warm), depth 8.</li>
 * </ul>
 *
 * Run: {@code java -cp bench/target/keel.jar org.openjdk.jmh.Main AioBenchmark} (all four backends, side by side).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class AioBenchmark {
    private static final int WRITE_BYTES = 4096;
    private static final long WRITE_FILE_BYTES = 64L << 20;
    private static final int READ_BYTES = 1 << 20;
    private static final long READ_FILE_BYTES = 256L << 20;

    /** Requests completed; JMH reports it as a rate beside the invocation score. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Completed {
        public long ops;
    }

    /**
     * One context, one file, {@code depth} requests kept in flight, each with its own slot of the
     * buffer (its tag): a subclass says which transfer, of what size, over how large a file.
     */
    @State(Scope.Thread)
    public static class Pipeline {
        @Param({"io_uring", "linux-aio", "posix", "threads"})
        public String backend;

        @Param({"1", "8", "32"})
        public int depth;

        /** O_DIRECT: ext4 cannot do buffered writes without blocking, so io_uring hands every
         *  buffered write to a kernel worker; DIRECT writes into allocated blocks it does inline. */
        @Param({"false"})
        public boolean direct;

        Path dir;
        AioContext ctx;
        NativeFile file;
        ByteBuffer buffer;
        AioRequest[] requests;
        AioRequest[] out;
        long nextOffset;
        long fileBytes;
        AioOpcode opcode;
        int transferBytes;
        final CpuMeter cpu = new CpuMeter();
        long completed;

        /** Opens and submits the first {@code depth} transfers; a file to be read is written whole first. */
        void open(AioOpcode opcode, int transferBytes, long fileBytes) throws IOException {
            assert opcode == AioOpcode.READ || opcode == AioOpcode.WRITE : opcode;
            this.opcode = opcode;
            this.transferBytes = transferBytes;
            this.fileBytes = fileBytes;
            dir = BenchDir.create();
            ctx = Aio.open(AioOptions.defaults().backend(backend).maxInFlight(Math.max(2, depth * 2)));
            file = direct
                ? NativeFile.open(dir.resolve("bench.dat"), OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE, OpenFlag.DIRECT)
                : NativeFile.open(dir.resolve("bench.dat"), OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
            file.allocate(0, fileBytes);
            buffer = BufferUtil.allocateDirectAligned(depth * transferBytes, 4096);
            requests = new AioRequest[depth * 2];
            out = new AioRequest[depth * 2];
            if (opcode == AioOpcode.READ) {
                fill(file, buffer, fileBytes, transferBytes);
            }
            for (int i = 0; i < depth; i++) {
                requests[i] = new AioRequest().tag(i);
                prepare(requests[i], next(), slotAddress(i));
            }
            ctx.submit(requests, 0, depth);
        }

        /** Points {@code r} at its next transfer: {@code transferBytes} at {@code offset}, to or from {@code address}. */
        private void prepare(AioRequest r, long offset, long address) {
            if (opcode == AioOpcode.READ) {
                r.prepareRead(file, offset, address, transferBytes);
            } else {
                r.prepareWrite(file, offset, address, transferBytes);
            }
        }

        private long slotAddress(long tag) {
            return AddressOf.buffer(buffer) + tag * transferBytes;
        }

        /**
         * One invocation: reaps what has completed (at least one), checks that each moved all its
         * bytes, and resubmits them as one batch at the next offsets, so {@code depth} stay in flight.
         */
        int reapAndResubmit(Completed c) throws AioException {
            int n = ctx.await(out, 1, out.length, AioContext.INFINITE);
            for (int i = 0; i < n; i++) {
                AioRequest r = out[i];
                if (r.result() != transferBytes) {
                    throw new IllegalStateException(r.opcode() + " of " + transferBytes + " bytes failed: result " + r.result()
                        + (r.result() < 0 ? " (" + r.errno() + ")" : ""));
                }
                prepare(r, next(), slotAddress(r.tag()));
            }
            int submitted = 0;
            while (submitted < n) {
                submitted += ctx.submit(out, submitted, n - submitted);
            }
            c.ops += n;
            completed += n;
            return n;
        }

        long next() {
            long at = nextOffset;
            nextOffset = (nextOffset + transferBytes) % fileBytes;
            return at;
        }

        @Setup(Level.Iteration)
        public void startIteration() {
            cpu.start(completed);
        }

        @TearDown(Level.Iteration)
        public void endIteration() {
            cpu.report("backend=" + backend + " depth=" + depth + " direct=" + direct, completed);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            while (ctx.inFlight() > 0) {
                ctx.await(out, 1, out.length, AioContext.INFINITE);
            }
            ctx.close();
            file.close();
            Files.deleteIfExists(file.path());
            Files.deleteIfExists(dir);
        }

        /** Writes the whole file once so reads come from the page cache, not from holes. */
        private static void fill(NativeFile f, ByteBuffer buf, long bytes, int chunk) throws IOException {
            try (AioContext c = Aio.open(AioOptions.defaults().backend("threads"))) {
                AioRequest[] one = {new AioRequest()};
                for (long at = 0; at < bytes; at += chunk) {
                    one[0].prepareWrite(f, at, AddressOf.buffer(buf), Math.min(chunk, buf.capacity()));
                    if (c.submitAndWait(one, 0, 1) != 1) {
                        throw new IOException("preload write at " + at + " failed: " + one[0].errno());
                    }
                }
            }
        }
    }

    /** Positioned 4 KiB writes. */
    public static class Writes extends Pipeline {
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            open(AioOpcode.WRITE, WRITE_BYTES, WRITE_FILE_BYTES);
        }
    }

    /** 1 MiB sequential reads of a preloaded file. */
    public static class Reads extends Pipeline {
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            open(AioOpcode.READ, READ_BYTES, READ_FILE_BYTES);
        }
    }

    @Benchmark
    public int write4k(Writes s, Completed c) throws AioException {
        return s.reapAndResubmit(c);
    }

    @Benchmark
    public int read1m(Reads s, Completed c) throws AioException {
        return s.reapAndResubmit(c);
    }

    /** One 4 KiB write and its DATA sync barrier, submitted as one batch and waited for. */
    @State(Scope.Thread)
    public static class SyncedWrite {
        @Param({"io_uring", "linux-aio", "posix", "threads"})
        public String backend;

        Path dir;
        AioContext ctx;
        NativeFile file;
        ByteBuffer buffer;
        final AioRequest[] pair = {new AioRequest(), new AioRequest()};
        long offset;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = BenchDir.create();
            ctx = Aio.open(AioOptions.defaults().backend(backend).maxInFlight(4));
            file = NativeFile.open(dir.resolve("sync.dat"), OpenFlag.READ, OpenFlag.WRITE, OpenFlag.CREATE);
            file.allocate(0, WRITE_FILE_BYTES);
            buffer = BufferUtil.allocateDirectAligned(WRITE_BYTES, 4096);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            ctx.close();
            file.close();
            Files.deleteIfExists(file.path());
            Files.deleteIfExists(dir);
        }
    }

    @Benchmark
    public int write4kDataSync(SyncedWrite s) throws AioException {
        s.pair[0].prepareWrite(s.file, s.offset, s.buffer, WRITE_BYTES);
        s.pair[1].prepareSync(s.file, SyncMode.DATA);
        s.offset = (s.offset + WRITE_BYTES) % WRITE_FILE_BYTES;
        int ok = s.ctx.submitAndWait(s.pair, 0, 2);
        if (ok != 2) {
            throw new IllegalStateException("write+sync failed: " + s.pair[0].errno() + " " + s.pair[1].errno());
        }
        return ok;
    }
}
