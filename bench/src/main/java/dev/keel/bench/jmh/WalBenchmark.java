package dev.keel.bench.jmh;

import dev.keel.bench.durability.RawSyncFile;
import dev.keel.wal.Durability;
import dev.keel.wal.Wal;
import dev.keel.wal.WalOptions;
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
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The log's speed targets, measured side by side in one run:
 * <ul>
 *   <li>{@code append}: blocking appends; run with {@code -t 1} and {@code -t 64}
 *       ({@code recordBytes} 128 and 4096). Durable records per second = the score.</li>
 *   <li>{@code rawPwriteFdatasync}: the disk's limit for one writer, a pwrite plus fdatasync
 *       loop through JNA on a zero-filled preallocated file, no log at all. Compare
 *       {@code append -t 1 -p recordBytes=4096} with it.</li>
 *   <li>{@code appendAsyncPipelined}: one thread keeping up to {@code inFlight} appendAsync
 *       calls outstanding.</li>
 * </ul>
 * Allocation per append: add {@code -prof gc} and read {@code gc.alloc.rate.norm}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
public class WalBenchmark {
    /** One log shared by every benchmark thread. */
    @State(Scope.Benchmark)
    public static class Log {
        @Param({"FDATASYNC"})
        public String durability;

        @Param({""})
        public String backend;

        @Param({"0"})
        public int maxSyncsInFlight;

        Path dir;
        Wal wal;

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = BenchDir.create();
            WalOptions opts = WalOptions.defaults().durability(Durability.valueOf(durability))
                .aioBackend(backend.isEmpty() ? null : backend);
            wal = Wal.open(dir, maxSyncsInFlight == 0 ? opts : opts.maxSyncsInFlight(maxSyncsInFlight));
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            System.out.println("\n# " + wal.stats());
            wal.close();
            BenchDir.delete(dir);
        }
    }

    /** Each thread's payload: a direct buffer, reused. */
    @State(Scope.Thread)
    public static class Payload {
        @Param({"128", "4096"})
        public int recordBytes;

        ByteBuffer buffer;

        @Setup(Level.Trial)
        public void fill() {
            buffer = ByteBuffer.allocateDirect(recordBytes);
            for (int i = 0; i < recordBytes; i++) {
                buffer.put(i, (byte) i);
            }
        }
    }

    @Benchmark
    public long append(Log log, Payload p) throws IOException {
        return log.wal.append(p.buffer);
    }

    /** Up to {@code inFlight} asynchronous appends outstanding from one thread. */
    @State(Scope.Thread)
    public static class Pipeline {
        @Param({"1000"})
        public int inFlight;

        final ArrayDeque<CompletableFuture<Long>> outstanding = new ArrayDeque<>();

        @TearDown(Level.Iteration)
        public void drain() {
            while (!outstanding.isEmpty()) {
                outstanding.pollFirst().join();
            }
        }
    }

    @Benchmark
    public long appendAsyncPipelined(Log log, Payload p, Pipeline q) {
        if (q.outstanding.size() >= q.inFlight) {
            q.outstanding.pollFirst().join();
        }
        CompletableFuture<Long> f = log.wal.appendAsync(p.buffer);
        q.outstanding.addLast(f);
        return q.outstanding.size();
    }

    /** A zero-filled, preallocated file and a 4 KiB buffer: the raw limit's setting ({@link RawSyncFile}). */
    @State(Scope.Thread)
    public static class RawFile {
        @Param({"4096"})
        public int writeBytes;

        Path dir;
        RawSyncFile file;

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = BenchDir.create();
            file = RawSyncFile.create(dir.resolve("raw.dat"), writeBytes);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            file.close();
            BenchDir.delete(dir);
        }
    }

    @Benchmark
    public int rawPwriteFdatasync(RawFile f) throws IOException {
        f.file.writeAndSync();
        return f.writeBytes;
    }
}
